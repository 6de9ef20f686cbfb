// Baton agent console: the queue, several open conversations, replies, AI suggestions.
// Customer text is only ever written with textContent (never as HTML).
"use strict";

(() => {
  const me = { id: document.body.dataset.userId, name: document.body.dataset.userName };
  const $ = (selector, root = document) => root.querySelector(selector);
  const NEGATIVE = -0.25; // mean sentiment of the last customer messages that warns the agent
  const open = new Map(); // conversation id -> view state
  let active = null;
  let lastSeq = -1;
  let agents = [];
  let queues = [];

  // --- small helpers ---
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }
  const safeUrl = (url) => (typeof url === "string" && /^https?:\/\//i.test(url) ? url : null);
  const ago = (iso) => {
    const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 60) return `${Math.round(seconds)} s`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
    return `${(seconds / 3600).toFixed(1)} h`;
  };
  const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.status === 401) { location.href = "/console/login"; throw new Error("signed out"); }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((data.error && data.error.message) || `HTTP ${response.status}`);
    return data;
  }

  function toast(text, kind = "info") {
    const node = el("div", { class: `toast ${kind}`, text });
    $("#toasts").append(node);
    setTimeout(() => node.remove(), 6000);
  }

  function chime() { // audible notice of a pushed conversation; no file to fetch
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      tone.connect(gain).connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.6);
    } catch (_) { /* no audio device: the visible notice stays */ }
  }

  function fillPlaceholders(text, identity) {
    const values = { ...identity, agent: me.name };
    if (!values.name) values.name = "there";
    return text.replace(/\{([a-z_]+)\}/g, (whole, key) => (values[key] ? values[key] : whole));
  }

  // --- presence ---
  function showPresence(presence) {
    for (const button of document.querySelectorAll("[data-presence]")) {
      button.setAttribute("aria-checked", String(button.dataset.presence === presence));
    }
  }
  for (const button of document.querySelectorAll("[data-presence]")) {
    button.addEventListener("click", async () => {
      try { showPresence((await api("PUT", "/api/handoff/me/presence", { presence: button.dataset.presence })).presence); }
      catch (error) { toast(error.message, "error"); }
    });
  }

  // --- the queue ---
  let queueTimer = 0;
  function refreshQueueSoon() { clearTimeout(queueTimer); queueTimer = setTimeout(refreshQueue, 150); }
  async function refreshQueue() {
    try { queues = await api("GET", "/api/handoff/queues"); } catch (_) { return; }
    const list = $("#queue");
    list.replaceChildren();
    const waiting = queues.flatMap((q) => q.waiting.map((w) => ({ ...w, title: q.title })))
      .sort((a, b) => b.priority - a.priority || Date.parse(a.queued_at) - Date.parse(b.queued_at));
    for (const w of waiting) {
      list.append(el("li", { class: "queue-item", "data-conversation-id": w.conversation_id, "data-priority": w.priority },
        el("div", { class: "queue-line" },
          el("span", { class: "reason", text: (w.reason || "handoff").replace(/_/g, " ") }),
          w.priority > 0 ? el("span", { class: "badge priority", text: `P${w.priority}` }) : null,
          el("span", { class: "badge", text: w.channel }),
          w.language ? el("span", { class: "badge language", text: w.language }) : null),
        el("div", { class: "queue-line muted small-text" },
          el("span", { text: w.title }),
          el("span", { class: "waited", "data-since": w.queued_at, text: `waiting ${ago(w.queued_at)}` })),
        w.waiting_for ? el("div", { class: "queue-line waiting-for small-text", text: w.waiting_for }) : null,
        el("button", { type: "button", class: "small accept", text: "Accept", onclick: () => accept(w.conversation_id) })));
    }
    $("#queue-count").textContent = String(waiting.length);
    $("#queue-empty").hidden = waiting.length > 0;
  }
  setInterval(() => {
    for (const node of document.querySelectorAll(".waited")) node.textContent = `waiting ${ago(node.dataset.since)}`;
  }, 5000);

  async function accept(conversationId) {
    try { await api("POST", `/api/handoff/conversations/${encodeURIComponent(conversationId)}/claim`); await openConversation(conversationId, true); }
    catch (error) { toast(error.message, "error"); refreshQueueSoon(); }
  }
  $("#pick").addEventListener("click", async () => {
    try {
      const taken = await api("POST", "/api/handoff/pick");
      if (taken) await openConversation(taken.id, true); else toast("Nobody is waiting in your queues.");
    } catch (error) { toast(error.message, "error"); }
  });

  // --- conversations ---
  function renderTabs() {
    const list = $("#mine");
    list.replaceChildren();
    for (const [id, view] of open) {
      const name = view.identity.name || "Customer";
      list.append(el("li", { class: `mine-item${id === active ? " active" : ""}${view.closed ? " closed" : ""}${view.unread ? " unread" : ""}`, "data-conversation-id": id },
        el("button", { type: "button", class: "tab", onclick: () => select(id) },
          el("span", { text: name }), el("span", { class: "badge", text: view.channel }),
          view.unread ? el("span", { class: "badge unread-count", text: String(view.unread) }) : null)));
    }
    $("#mine-empty").hidden = open.size > 0;
  }

  function select(id) {
    active = id;
    for (const [key, view] of open) view.node.hidden = key !== id;
    $("#placeholder").hidden = Boolean(id);
    const view = open.get(id);
    if (view) { view.unread = 0; view.transcript.scrollTop = view.transcript.scrollHeight; $(".reply", view.node).focus(); }
    renderTabs();
  }

  const opening = new Map(); // conversation id -> the load under way (accept and its event race)
  async function openConversation(id, focus) {
    if (open.has(id)) { if (focus) select(id); return; }
    if (!opening.has(id)) opening.set(id, loadConversation(id).finally(() => opening.delete(id)));
    await opening.get(id);
    if (focus || !active) select(id); else renderTabs();
  }

  async function loadConversation(id) {
    const path = `/api/handoff/conversations/${encodeURIComponent(id)}`;
    const [detail, notes, suggestions, history] = await Promise.all([
      api("GET", path), api("GET", `${path}/notes`), api("GET", `${path}/suggestions`), api("GET", `${path}/history`),
    ]);
    const node = $("#conversation-template").content.firstElementChild.cloneNode(true);
    node.dataset.conversationId = id;
    const view = {
      id, node, channel: detail.conversation.channel, identity: detail.conversation.identity || {},
      reason: detail.conversation.reason, channels: new Set(),
      transcript: $(".transcript", node), seen: new Set(), sentiments: [], suggestion: null,
      closed: false, unread: 0, typingOff: 0, typingSent: false,
      // turns the bot judged it did not understand (its own threshold, from the packet)
      fallbacks: new Set(((detail.packet && detail.packet.nlu_trail) || []).filter((t) => t.fallback).map((t) => t.message_id)),
    };
    open.set(id, view);
    $("#workspace").append(node);
    $(".conv-meta", node).textContent = `${detail.conversation.channel} · ${(detail.conversation.reason || "").replace(/_/g, " ")}`;
    for (const message of detail.transcript) addMessage(view, message);
    showIdentity(view, view.identity);
    showLanguage(view, detail.conversation.language);
    showPacket(view, detail.packet);
    for (const note of notes) addNote(view, note);
    showHistory(view, history);
    const latest = suggestions.filter((s) => s.message_id === Math.max(...suggestions.map((x) => x.message_id)));
    showSuggestions(view, latest.filter((s) => !s.outcome));
    wireConversation(view);
    fillTransferTargets(view);
    if (detail.conversation.owner !== "assigned" || detail.conversation.agent_id !== me.id) closeView(view, "You do not own this conversation.");
  }

  // Channel markers: once a conversation has moved between channels (web chat, Telegram,
  // Slack), every message shows where it was written or sent; the header says where the
  // customer is now.
  const CHANNEL_NAMES = { web: "web chat", telegram: "Telegram", slack: "Slack" };

  function markChannel(view, item) {
    const channel = item.dataset.channel;
    if (!channel) return;
    const known = view.channels;
    const isNew = !known.has(channel);
    known.add(channel);
    if (isNew && known.size === 2) { // the conversation just became multi-channel: mark all
      for (const earlier of view.transcript.querySelectorAll(".msg[data-channel]")) addChannelBadge(earlier);
      addChannelBadge(item);
    } else if (known.size > 1) {
      addChannelBadge(item);
    }
    if (item.classList.contains("customer")) {
      view.channel = channel;
      const reason = (view.reason || "").replace(/_/g, " ");
      $(".conv-meta", view.node).textContent = `${CHANNEL_NAMES[channel] || channel}${reason ? ` · ${reason}` : ""}`;
    }
  }

  function addChannelBadge(item) {
    const head = $(".msg-head", item);
    if (!head || $(".channel-marker", head)) return;
    const channel = item.dataset.channel;
    head.append(el("span", { class: `badge channel-marker channel-${channel}`, title: `on ${CHANNEL_NAMES[channel] || channel}`, text: CHANNEL_NAMES[channel] || channel }));
  }

  function addMessage(view, message) {
    if (view.seen.has(message.id)) return;
    view.seen.add(message.id);
    const who = message.sender === "agent" ? (message.agent_name || "Agent") : message.sender === "bot" ? "Bot" : (view.identity.name || "Customer");
    const item = el("li", { class: `msg ${message.sender}`, "data-message-id": message.id },
      el("div", { class: "msg-head" }, el("span", { class: "who", text: who }), el("span", { class: "muted", text: clock(message.created_at) })),
      el("div", { class: "msg-text", text: message.text }));
    item.dataset.channel = message.channel || "";
    markChannel(view, item);
    const url = message.article && safeUrl(message.article.url);
    if (url) item.append(el("a", { class: "msg-article", href: url, target: "_blank", rel: "noopener noreferrer", text: `Article: ${message.article.title || url}` }));
    if (message.sender === "customer") {
      item.append(el("div", { class: "nlu" }));
      showNlu(item, message.nlu, view.fallbacks.has(message.id));
      if (typeof message.sentiment === "number") { view.sentiments.push(message.sentiment); showSentiment(view); }
      else if (message.sentiment === null && !view.sentiments.length) {
        // Baton has no sentiment lexicon for the customer's language: say so, never guess
        const badge = $(".sentiment", view.node);
        badge.dataset.mood = "unmeasured";
        badge.textContent = "Sentiment: not measured in this language";
      }
    }
    view.transcript.append(item);
    view.transcript.scrollTop = view.transcript.scrollHeight;
  }

  function showNlu(item, nlu, flagged = false) {
    const box = $(".nlu", item);
    if (!box) return;
    box.replaceChildren();
    if (!nlu || !nlu.intent) { box.append(el("span", { class: "muted", text: "not understood yet" })); return; }
    const fallback = flagged || nlu.intent === "nlu_fallback";
    item.classList.toggle("fallback", fallback);
    box.append(el("span", { class: `intent${fallback ? " fallback" : ""}`, text: fallback && nlu.intent === "nlu_fallback" ? "bot fell back" : nlu.intent.replace(/_/g, " ") }),
      el("span", { class: "muted", text: nlu.confidence == null ? "" : ` ${Math.round(nlu.confidence * 100)}%` }));
    const shown = new Set(); // two extractors may find the same entity
    for (const entity of nlu.entities || []) {
      const label = `${entity.entity}: ${entity.value}`;
      if (!shown.has(label)) { shown.add(label); box.append(el("span", { class: "badge", text: label })); }
    }
  }

  function showSentiment(view) {
    const recent = view.sentiments.slice(-3);
    const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
    const mood = mean <= NEGATIVE ? "negative" : mean >= 0.25 ? "positive" : "neutral";
    const badge = $(".sentiment", view.node);
    if (mood === "negative" && badge.dataset.mood !== "negative") toast(`${view.identity.name || "The customer"} sounds upset.`, "warn");
    badge.dataset.mood = mood;
    badge.textContent = `Sentiment: ${mood}`;
  }

  function showIdentity(view, identity) {
    view.identity = identity || {};
    const form = $(".identity", view.node);
    for (const field of ["name", "email", "order_number", "phone"]) {
      const input = form.elements[field];
      if (document.activeElement !== input) input.value = view.identity[field] || "";
    }
    // the assistant's custom fields (baton.yml identity.slots with a label), as the bot gathered them
    const custom = $(".identity-custom", view.node);
    const labels = JSON.parse(custom.dataset.labels || "{}");
    custom.replaceChildren();
    for (const [key, value] of Object.entries(view.identity)) {
      if (["name", "email", "order_number", "phone"].includes(key)) continue;
      const term = document.createElement("dt");
      term.textContent = labels[key] || key.replace(/_/g, " ");
      const detail = document.createElement("dd");
      detail.textContent = value;
      detail.dataset.field = key;
      custom.append(term, detail);
    }
    $(".conv-title", view.node).textContent = view.identity.name || "Customer";
    renderTabs();
  }

  // the conversation's language in the Customer panel: one the assistant serves is chosen in
  // the select; another (detected, not served) is shown beside it, so the agent knows
  function showLanguage(view, language) {
    view.language = language || null;
    const select = $(".language-form", view.node).elements.language;
    const served = [...select.options].some((o) => o.value && o.value === language);
    select.value = served ? language : "";
    $(".language-note", view.node).textContent = language && !served ? `writes ${language} (not served)` : "";
  }

  function showPacket(view, packet) {
    const list = $(".handoff", view.node);
    list.replaceChildren();
    if (!packet) { list.append(el("dd", { class: "muted", text: "The bot did not hand this conversation off." })); return; }
    const rows = [["Reason", (packet.reason || "").replace(/_/g, " ")], ["Queue", packet.queue], ["Priority", String(packet.priority)], ["Channel", packet.channel]];
    for (const [term, value] of rows) list.append(el("dt", { text: term }), el("dd", { text: value || "—" }));
    $(".summary", view.node).textContent = packet.summary || "";
    const articles = $(".articles", view.node);
    articles.replaceChildren();
    for (const article of packet.articles || []) {
      const url = safeUrl(article.url);
      articles.append(el("li", {}, url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: article.title || url }) : el("span", { text: article.title || article.id }),
        article.score != null ? el("span", { class: "muted", text: ` ${Number(article.score).toFixed(2)}` }) : null));
    }
    if (!articles.children.length) articles.append(el("li", { class: "muted", text: "None." }));
  }

  function showHistory(view, history) {
    const list = $(".history", view.node);
    list.replaceChildren();
    for (const earlier of history) {
      list.append(el("li", {},
        el("div", {}, el("span", { class: "badge", text: earlier.channel }), el("span", { text: ` ${new Date(earlier.started_at).toLocaleDateString()} · ` }),
          el("span", { class: `outcome ${earlier.outcome}`, text: earlier.outcome.replace(/_/g, " ") })),
        earlier.first_message ? el("div", { class: "muted small-text", text: `“${earlier.first_message}”` }) : null,
        earlier.resolution_note ? el("div", { class: "small-text", text: `Note: ${earlier.resolution_note}` }) : null));
    }
    if (!history.length) list.append(el("li", { class: "muted", text: "None found for this email or phone." }));
  }

  function addNote(view, note) {
    const list = $(".notes", view.node);
    if ($(`[data-note-id="${note.id}"]`, list)) return;
    list.append(el("li", { "data-note-id": note.id }, el("span", { class: "who", text: note.author_name }), el("span", { class: "muted", text: ` ${clock(note.created_at)}` }), el("div", { text: note.text })));
  }

  function showSuggestions(view, suggestions) {
    const list = $(".suggestion-list", view.node);
    list.replaceChildren();
    for (const suggestion of suggestions) {
      const url = suggestion.source && safeUrl(suggestion.source.url);
      const label = { knowledge: "Help centre", bot: "Bot's answer", memory: "Past reply" }[suggestion.kind] || suggestion.kind;
      list.append(el("li", { class: `suggestion ${suggestion.kind}`, "data-suggestion-id": suggestion.id },
        el("div", { class: "suggestion-head" }, el("span", { class: "badge", text: label }),
          url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: suggestion.source.title || "article" }) : null),
        el("div", { class: "suggestion-text", text: suggestion.text }),
        el("button", { type: "button", class: "small insert", text: "Insert", onclick: () => insertSuggestion(view, suggestion) })));
    }
    $(".suggestion-empty", view.node).hidden = suggestions.length > 0;
  }

  function insertSuggestion(view, suggestion) {
    const reply = $(".reply", view.node);
    reply.value = fillPlaceholders(suggestion.text, view.identity);
    view.suggestion = suggestion.id;
    const tag = $(".suggestion-tag", view.node);
    tag.hidden = false;
    tag.textContent = "From a suggestion: edit freely before sending";
    reply.focus();
  }

  function closeView(view, why) {
    view.closed = true;
    view.node.classList.add("closed");
    for (const control of view.node.querySelectorAll("textarea, input, select, button")) control.disabled = true;
    const banner = $(".closed-banner", view.node);
    banner.hidden = false;
    banner.replaceChildren(el("span", { text: why }), el("button", { type: "button", class: "small", text: "Close tab", onclick: () => dropView(view) }));
    $("button", banner).disabled = false;
    renderTabs();
  }

  function dropView(view) {
    open.delete(view.id);
    view.node.remove();
    if (active === view.id) select(open.keys().next().value || null); else renderTabs();
  }

  function fillTransferTargets(view) {
    const select = $(".transfer-form select", view.node);
    select.replaceChildren(el("option", { value: "", text: "Transfer to…" }));
    for (const agent of agents.filter((a) => a.id !== me.id)) select.append(el("option", { value: `agent:${agent.id}`, text: `${agent.name} (${agent.presence}, ${agent.load}/${agent.capacity})` }));
    for (const queue of queues) select.append(el("option", { value: `queue:${queue.name}`, text: `Queue: ${queue.title}` }));
  }

  function wireConversation(view) {
    const path = `/api/handoff/conversations/${encodeURIComponent(view.id)}`;
    const reply = $(".reply", view.node);
    const composer = $(".composer", view.node);
    const sendTyping = (on) => {
      if (view.typingSent === on || view.closed) return;
      view.typingSent = on;
      api("POST", `${path}/typing`, { on }).catch(() => {});
    };
    reply.addEventListener("input", () => {
      clearTimeout(view.typingOff);
      sendTyping(Boolean(reply.value.trim()));
      if (reply.value.trim()) view.typingOff = setTimeout(() => sendTyping(false), 3000);
      if (!reply.value.trim()) { view.suggestion = null; $(".suggestion-tag", view.node).hidden = true; }
    });
    reply.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); composer.requestSubmit(); }
    });
    composer.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = reply.value.trim();
      if (!text) return;
      const send = $(".send", view.node);
      send.disabled = true;
      try {
        const body = { text };
        if (view.suggestion) body.suggestion_id = view.suggestion;
        addMessage(view, await api("POST", `${path}/messages`, body));
        reply.value = "";
        view.suggestion = null;
        $(".suggestion-tag", view.node).hidden = true;
        clearTimeout(view.typingOff);
        sendTyping(false);
      } catch (error) { toast(error.message, "error"); }
      finally { send.disabled = view.closed; }
    });
    const search = $(".canned-search", view.node);
    const cannedList = $(".canned-list", view.node);
    let cannedTimer = 0;
    const showCanned = async () => {
      let found = [];
      try { found = await api("GET", `/api/handoff/canned?q=${encodeURIComponent(search.value)}${view.language ? `&language=${encodeURIComponent(view.language)}` : ""}`); } catch (_) { return; }
      if (document.activeElement !== search) return; // picked or left meanwhile
      cannedList.replaceChildren(...found.map((item) => el("li", {},
        el("button", { type: "button", class: "canned-item", onclick: () => {
          clearTimeout(cannedTimer);
          reply.value = fillPlaceholders(item.text, view.identity);
          view.suggestion = null;
          cannedList.hidden = true; search.value = ""; reply.focus();
        } }, el("strong", { text: item.title }), el("span", { class: "muted", text: ` ${item.text}` })))));
      cannedList.hidden = found.length === 0;
    };
    search.addEventListener("focus", showCanned);
    search.addEventListener("input", () => { clearTimeout(cannedTimer); cannedTimer = setTimeout(showCanned, 120); });
    search.addEventListener("keydown", (event) => { if (event.key === "Escape") cannedList.hidden = true; });
    search.addEventListener("blur", () => setTimeout(() => { cannedList.hidden = true; }, 200));

    $(".language-form", view.node).addEventListener("submit", (event) => event.preventDefault());
    $(".language-form", view.node).elements.language.addEventListener("change", async (event) => {
      const chosen = event.currentTarget.value;
      try { showLanguage(view, (await api("PUT", `${path}/language`, { language: chosen })).language); toast("Language saved."); }
      catch (error) { showLanguage(view, view.language); toast(error.message, "error"); }
    });
    $(".identity", view.node).addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      const body = {};
      for (const field of ["name", "email", "order_number", "phone"]) if (form.elements[field].value.trim()) body[field] = form.elements[field].value.trim();
      try { showIdentity(view, (await api("PUT", `${path}/identity`, body)).identity); toast("Customer details saved."); }
      catch (error) { toast(error.message, "error"); }
    });
    $(".note-form", view.node).addEventListener("submit", async (event) => {
      event.preventDefault();
      const area = event.currentTarget.elements.text;
      if (!area.value.trim()) return;
      try { addNote(view, await api("POST", `${path}/notes`, { text: area.value.trim() })); area.value = ""; }
      catch (error) { toast(error.message, "error"); }
    });
    $(".transfer-form", view.node).addEventListener("submit", async (event) => {
      event.preventDefault();
      const target = event.currentTarget.elements.target.value;
      if (!target) return;
      const [kind, name] = [target.slice(0, target.indexOf(":")), target.slice(target.indexOf(":") + 1)];
      try { await api("POST", `${path}/transfer`, kind === "agent" ? { to_agent: name } : { to_queue: name }); closeView(view, "Transferred."); }
      catch (error) { toast(error.message, "error"); }
    });
    $(".resolve-form", view.node).addEventListener("submit", async (event) => {
      event.preventDefault();
      const note = event.currentTarget.elements.note.value.trim();
      try { await api("POST", `${path}/resolve`, note ? { note } : {}); closeView(view, "Resolved."); }
      catch (error) { toast(error.message, "error"); }
    });
    $(".hand-back", view.node).addEventListener("click", async () => {
      try { await api("POST", `${path}/hand-back`); closeView(view, "Handed back to the bot."); }
      catch (error) { toast(error.message, "error"); }
    });
  }

  // --- live events ---
  function onEvent(event) {
    if (typeof event.seq === "number") lastSeq = Math.max(lastSeq, event.seq);
    const view = event.conversation_id ? open.get(event.conversation_id) : null;
    switch (event.type) {
      case "caught_up": lastSeq = event.seq; break;
      case "message":
        if (view) {
          addMessage(view, event.message);
          if (event.message.sender === "customer") {
            $(".typing-line", view.node).hidden = true;
            if (active !== view.id) { view.unread += 1; renderTabs(); }
          }
        }
        break;
      case "nlu":
        if (view) { const item = $(`[data-message-id="${event.message_id}"]`, view.transcript); if (item) showNlu(item, event.nlu); }
        break;
      case "typing":
        if (view && event.sender === "customer") {
          const line = $(".typing-line", view.node);
          line.hidden = !event.on;
          clearTimeout(view.typingHide);
          if (event.on) view.typingHide = setTimeout(() => { line.hidden = true; }, 15000);
        }
        break;
      case "suggestions": if (view && !view.closed) showSuggestions(view, event.suggestions); break;
      case "identity": if (view) showIdentity(view, event.identity); break;
      case "language": if (view) showLanguage(view, event.language); break;
      case "note": if (view) addNote(view, event.note); break;
      case "owner":
        refreshQueueSoon();
        if (event.owner === "assigned" && event.agent_id === me.id && !open.has(event.conversation_id) && !opening.has(event.conversation_id)) {
          openConversation(event.conversation_id, !active).then(() => {
            toast(`New conversation: ${(event.reason || "handoff").replace(/_/g, " ")}`, "new");
            chime();
            document.title = "● Baton console";
          }).catch((error) => toast(error.message, "error"));
        } else if (view && !view.closed && (event.owner !== "assigned" || event.agent_id !== me.id)) {
          closeView(view, event.owner === "resolved" ? "Resolved." : event.owner === "bot" ? "Back with the bot." : "No longer yours.");
        }
        break;
      case "handoff": refreshQueueSoon(); break;
      case "presence":
        if (event.agent_id === me.id) showPresence(event.presence);
        refreshAgents();
        break;
      default: break;
    }
  }
  window.addEventListener("focus", () => { document.title = "Baton console"; });

  let socket = null, retry = 0;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const after = lastSeq >= 0 ? `&after=${lastSeq}` : "";
    socket = new WebSocket(`${scheme}://${location.host}/ws/desk?scope=mine${after}`);
    const state = $("#connection");
    socket.addEventListener("open", () => { retry = 0; state.dataset.state = "live"; state.textContent = "Live"; });
    socket.addEventListener("message", (message) => { try { onEvent(JSON.parse(message.data)); } catch (error) { console.error(error); } });
    socket.addEventListener("close", (event) => {
      state.dataset.state = "offline";
      state.textContent = "Reconnecting…";
      if (event.code === 4401) { location.href = "/console/login"; return; }
      setTimeout(connect, Math.min(10000, 500 * 2 ** retry++));
    });
  }
  setInterval(() => { if (socket && socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}'); }, 25000);

  async function refreshAgents() {
    try { agents = await api("GET", "/api/handoff/agents"); } catch (_) { return; }
    for (const view of open.values()) if (!view.closed) fillTransferTargets(view);
  }

  async function start() {
    connect(); // first: nothing that happens while the page loads is missed
    const [self] = await Promise.all([api("GET", "/api/handoff/me"), refreshQueue(), refreshAgents()]);
    showPresence(self.presence);
    for (const conversation of await api("GET", "/api/handoff/mine")) await openConversation(conversation.id, false);
  }
  start().catch((error) => toast(error.message, "error"));
})();
