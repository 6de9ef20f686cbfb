// Baton review and retrain: the knowledge owner's page. Customer text is only ever written
// as text (textContent), never as markup.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const SOURCE_NAMES = {
    handoff: "handed off",
    rejected_answer: "answer turned down",
    fallback: "not understood",
    low_confidence: "unsure",
    declined: "declined as out of scope",
    language: "language not served",
  };
  let pollTimer = null;

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("data-") || key === "type" || key === "class" || key === "list") {
        node.setAttribute(key, value);
      } else node[key] = value;
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  async function api(method, path, body) {
    const options = { method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      window.location.assign("/console/login");
      throw new Error("Signed out.");
    }
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const message = data && data.error ? data.error.message : `HTTP ${response.status}`;
      const error = new Error(message);
      error.code = data && data.error ? data.error.code : "http";
      throw error;
    }
    return data;
  }

  function notify(message, good = false) {
    const box = $("notice");
    box.textContent = message;
    box.classList.toggle("good", good);
    box.hidden = !message;
  }

  // -- inbox

  async function loadIntents() {
    const intents = await api("GET", "/api/review/intents");
    const list = $("intents") || document.body.appendChild(el("datalist", { id: "intents" }));
    list.replaceChildren(...intents.map((name) => el("option", { value: name })));
  }

  function clusterItem(cluster) {
    const item = el("li", { class: "cluster", "data-cluster": String(cluster.id) });
    const head = el("div", { class: "cluster-head" },
      el("span", { class: "cluster-size", text: `${cluster.size} ${cluster.size === 1 ? "message" : "messages"}` }),
      el("span", { class: "badge language", "data-language": cluster.language || "", text: cluster.language || "language unknown" }));
    for (const [source, count] of Object.entries(cluster.sources)) {
      head.append(el("span", { class: "source", "data-source": source, text: `${SOURCE_NAMES[source] || source} · ${count}` }));
    }
    item.append(head);
    item.append(el("ul", { class: "examples" }, ...cluster.examples.map((t) => el("li", { text: `“${t}”` }))));
    const hints = [];
    if (cluster.suggested_intent) hints.push(`closest intent: ${cluster.suggested_intent} (${cluster.suggestion_score.toFixed(2)})`);
    if (cluster.nlu_intent) hints.push(`the bot guessed: ${cluster.nlu_intent}`);
    if (hints.length) item.append(el("p", { class: "cluster-hint", text: hints.join(" · ") }));

    const ids = cluster.members.map((m) => m.message_id);
    const input = el("input", { type: "text", list: "intents", placeholder: "intent, e.g. gift_cards", "data-intent-input": "" });
    input.value = cluster.suggested_intent && cluster.suggested_intent !== "out_of_scope" ? cluster.suggested_intent : "";
    input.setAttribute("aria-label", "Intent for these messages");
    const error = el("p", { class: "cluster-error", role: "alert" });
    error.hidden = true;
    const assign = el("button", { type: "button", class: "primary small", text: "Assign intent", "data-action": "assign" });
    const scope = el("button", { type: "button", class: "small", text: "Out of scope", "data-action": "out-of-scope" });
    const draft = el("button", { type: "button", class: "small", text: "Draft article", "data-action": "draft" });
    const buttons = [assign, scope, draft];
    const act = async (work) => {
      buttons.forEach((b) => (b.disabled = true));
      error.hidden = true;
      try {
        await work();
      } catch (exc) {
        error.textContent = exc.message;
        error.hidden = false;
        if (exc.code === "label_conflict") setTimeout(loadInbox, 1500);
      } finally {
        buttons.forEach((b) => (b.disabled = false));
      }
    };
    assign.addEventListener("click", () => act(async () => {
      const labels = await api("POST", "/api/review/labels", { message_ids: ids, action: "intent", intent: input.value });
      notify(`${labels.length} messages labelled ${labels[0].intent}.`, true);
      await Promise.all([loadInbox(), loadIntents(), loadTraining(), loadLabels()]);
    }));
    scope.addEventListener("click", () => act(async () => {
      const labels = await api("POST", "/api/review/labels", { message_ids: ids, action: "out_of_scope" });
      notify(`${labels.length} messages marked out of scope.`, true);
      await Promise.all([loadInbox(), loadTraining(), loadLabels()]);
    }));
    draft.addEventListener("click", () => act(async () => {
      const made = await api("POST", "/api/review/drafts", { message_ids: ids });
      await Promise.all([loadInbox(), loadDrafts(), loadLabels()]);
      openDraft(made);
    }));
    item.append(el("div", { class: "actions" }, input, assign, scope, draft), error);

    const members = el("ul", { class: "members" });
    for (const m of cluster.members) {
      const open = el("button", { type: "button", class: "small ghost", text: "conversation" });
      open.addEventListener("click", () => showConversation(m.conversation_id, m.message_id));
      const nlu = m.intent ? `${m.intent}${m.confidence != null ? " " + m.confidence.toFixed(2) : ""}` : "";
      members.append(el("li", {}, el("span", { text: m.text }), el("span", { class: "nlu", text: nlu }), open));
    }
    item.append(el("details", {}, el("summary", { class: "small-text", text: "All messages and their conversations" }), members));
    return item;
  }

  async function loadInbox() {
    try {
      const chosen = $("inbox-language").value;
      const inbox = await api("GET", `/api/review/inbox${chosen ? `?language=${encodeURIComponent(chosen)}` : ""}`);
      // one option per language that has failures, with its count; the choice is kept
      const counts = inbox.languages || {};
      $("inbox-language").replaceChildren(el("option", { value: "", text: "all" }),
        ...Object.entries(counts).map(([code, n]) => el("option", { value: code, text: `${code === "unknown" ? "not known" : code} (${n})` })));
      $("inbox-language").value = chosen in counts ? chosen : "";
      $("inbox-loading").hidden = true;
      $("inbox-empty").hidden = inbox.clusters.length > 0;
      const groups = inbox.groups === 1 ? "1 group" : `${inbox.groups} groups`;
      $("inbox-more").hidden = inbox.groups <= inbox.clusters.length;
      $("inbox-more").textContent = `Showing the ${inbox.clusters.length} largest groups; label them and the next ones appear.`;
      $("inbox-count").textContent = `${inbox.messages} messages in ${groups} · ${inbox.labelled} labelled`;
      $("clusters").replaceChildren(...inbox.clusters.map(clusterItem));
    } catch (exc) {
      $("inbox-loading").textContent = `The inbox could not be loaded: ${exc.message}`;
    }
  }

  async function showConversation(conversationId, messageId) {
    const turns = await api("GET", `/api/review/conversations/${encodeURIComponent(conversationId)}`);
    $("conversation").replaceChildren(...turns.map((t) => {
      const nlu = t.intent ? ` · ${t.intent} ${t.confidence != null ? t.confidence.toFixed(2) : ""}` : "";
      return el("li", { "data-sender": t.sender, "data-failed": String(t.id === messageId) },
        el("strong", { text: `${t.sender}: ` }), el("span", { text: t.text }), el("span", { class: "muted small-text", text: nlu }));
    }));
    $("conversation-dialog").showModal();
  }

  // -- labels

  const ACTION_NAMES = { out_of_scope: "out of scope", article: "article draft" };

  async function loadLabels() {
    const labels = await api("GET", "/api/review/labels");
    $("labels-empty").hidden = labels.length > 0;
    $("labels").replaceChildren(...labels.slice(0, 30).map((label) => {
      const undo = el("button", { type: "button", class: "small ghost", text: "Undo" });
      undo.title = "Take the label back: the message returns to the inbox";
      undo.addEventListener("click", async () => {
        undo.disabled = true;
        try {
          await api("DELETE", `/api/review/labels/${label.id}`);
          notify("Label taken back: the message is in the inbox again.", true);
          await Promise.all([loadInbox(), loadLabels(), loadTraining()]);
        } catch (exc) {
          notify(exc.message);
          undo.disabled = false;
        }
      });
      const what = label.action === "intent" ? label.intent : ACTION_NAMES[label.action] || label.action;
      return el("li", {},
        el("span", { class: "label-text", text: `“${label.text}”` }),
        el("span", { class: "label-meta", text: `${what} · ${label.labelled_by}` }),
        undo);
    }));
  }

  // -- drafts

  let editing = null;

  function openDraft(draft) {
    editing = draft;
    const form = $("draft-form");
    form.elements.title.value = draft.title;
    form.elements.slug.value = draft.slug;
    form.elements.tags.value = draft.tags.join(", ");
    form.elements.body.value = draft.body;
    $("draft-error").hidden = true;
    $("draft-dialog").showModal();
  }

  async function loadDrafts() {
    const drafts = await api("GET", "/api/review/drafts");
    $("drafts-empty").hidden = drafts.length > 0;
    $("drafts").replaceChildren(...drafts.map((d) => {
      const state = el("span", { class: "badge", text: d.state });
      const row = el("li", {}, el("span", { text: d.title }), state);
      if (d.state === "draft") {
        const edit = el("button", { type: "button", class: "small", text: "Edit" });
        edit.addEventListener("click", () => openDraft(d));
        row.append(edit);
      }
      return row;
    }));
  }

  $("draft-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const publish = event.submitter && event.submitter.value === "publish";
    try {
      const saved = await api("PUT", `/api/review/drafts/${editing.id}`, {
        title: form.elements.title.value,
        slug: form.elements.slug.value,
        body: form.elements.body.value,
        tags: form.elements.tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      });
      if (publish) {
        const published = await api("POST", `/api/review/drafts/${saved.id}/publish`);
        notify(`Published ${published.file}. Rebuild the knowledge index to answer from it.`, true);
        $("reindex-box").hidden = false;
      }
      $("draft-dialog").close();
      await loadDrafts();
    } catch (exc) {
      $("draft-error").textContent = exc.message;
      $("draft-error").hidden = false;
    }
  });

  // -- training

  function drawChart(metrics) {
    const svg = $("chart");
    const ns = "http://www.w3.org/2000/svg";
    const groups = [
      ["held-out correct", metrics.held_out.examples, metrics.held_out.old, metrics.held_out.new],
      ["understood", metrics.replay.messages, metrics.replay.old.understood, metrics.replay.new.understood],
      ["contained", metrics.replay.messages, metrics.replay.old.contained, metrics.replay.new.contained],
    ];
    const parts = [];
    groups.forEach(([name, total, old, fresh], i) => {
      const x = 20 + i * 115;
      [[old, "old"], [fresh, "new"]].forEach(([value, kind], j) => {
        const share = total ? value / total : 0;
        const height = Math.round(share * 100);
        const rect = document.createElementNS(ns, "rect");
        rect.setAttribute("x", String(x + j * 40));
        rect.setAttribute("y", String(115 - height));
        rect.setAttribute("width", "34");
        rect.setAttribute("height", String(Math.max(height, 1)));
        rect.setAttribute("class", kind);
        const label = document.createElementNS(ns, "text");
        label.setAttribute("x", String(x + j * 40 + 2));
        label.setAttribute("y", String(111 - height));
        label.textContent = total ? `${Math.round(share * 100)}%` : "–";
        parts.push(rect, label);
      });
      const caption = document.createElementNS(ns, "text");
      caption.setAttribute("x", String(x));
      caption.setAttribute("y", "132");
      caption.textContent = name;
      parts.push(caption);
    });
    [["serving", "old"], ["new", "new"]].forEach(([name, kind], k) => {
      const key = document.createElementNS(ns, "rect");
      key.setAttribute("x", String(250 + k * 55));
      key.setAttribute("y", "142");
      key.setAttribute("width", "8");
      key.setAttribute("height", "8");
      key.setAttribute("class", kind);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", String(262 + k * 55));
      label.setAttribute("y", "150");
      label.textContent = name;
      parts.push(key, label);
    });
    svg.replaceChildren(...parts);
  }

  function showComparison(model) {
    const box = $("comparison");
    box.hidden = !model;
    if (!model) return;
    const m = model.metrics;
    drawChart(m);
    const rows = [
      [`held-out examples recognised (of ${m.held_out.examples})`, m.held_out.old, m.held_out.new],
      [`recent messages understood (of ${m.replay.messages})`, m.replay.old.understood, m.replay.new.understood],
      [`recent messages contained (of ${m.replay.messages})`, m.replay.old.contained, m.replay.new.contained],
    ];
    $("figures").replaceChildren(...rows.map(([name, old, fresh]) =>
      el("tr", {}, el("td", { text: name }), el("td", { text: String(old) }), el("td", { text: String(fresh) }))));
    $("changes-count").textContent = `(${m.changed})`;
    $("changes").replaceChildren(...m.changes.map((c) =>
      el("li", { text: `“${c.text}”: ${c.old || "–"} → ${c.new || "–"}` })));
    $("approve").dataset.model = String(model.id);
    $("discard").dataset.model = String(model.id);
  }

  const RUN_NAMES = {
    training: "Training", evaluating: "Evaluating", ready: "Ready for approval", deployed: "Deployed",
    discarded: "Discarded", failed: "Failed", interrupted: "Interrupted",
  };

  async function loadTraining() {
    const data = await api("GET", "/api/review/training");
    $("label-count").textContent = `${data.labels} labelled examples`;
    const run = data.runs[0];
    const underWay = run && (run.state === "training" || run.state === "evaluating");
    $("train").disabled = underWay;
    $("cancel-run").hidden = !underWay;
    $("run").hidden = !run;
    if (run) {
      $("run").dataset.state = run.state;
      $("run-state").textContent = `Run ${run.id}: ${RUN_NAMES[run.state] || run.state}`;
      const counts = run.labels || run.held_out ? ` · ${run.labels} trained, ${run.held_out} held out` : "";
      $("run-stage").textContent = `${run.stage}${counts}`;
      $("run-progress").value = run.progress;
      $("run-message").hidden = !run.message;
      $("run-message").textContent = run.message || "";
      $("cancel-run").dataset.run = String(run.id);
    }
    const candidate = run && run.state === "ready" ? data.models.find((m) => m.id === run.model_id) : null;
    showComparison(candidate && candidate.metrics ? candidate : null);
    $("models").replaceChildren(...data.models.map((m) =>
      el("tr", { "data-state": m.state }, el("td", { text: m.name }), el("td", { class: "state", text: m.state }))));
    $("models-empty").hidden = data.models.length > 0;
    $("rollback").hidden = !data.models.some((m) => m.state === "previous");
    clearTimeout(pollTimer);
    if (underWay) pollTimer = setTimeout(() => loadTraining().catch((e) => notify(e.message)), 2000);
  }

  async function guarded(button, work) {
    button.disabled = true;
    try {
      await work();
    } catch (exc) {
      notify(exc.message);
    } finally {
      button.disabled = false;
      await loadTraining().catch(() => {});
    }
  }

  $("train").addEventListener("click", () => guarded($("train"), async () => {
    notify("");
    await api("POST", "/api/review/runs");
  }));
  $("cancel-run").addEventListener("click", () => guarded($("cancel-run"), async () => {
    await api("POST", `/api/review/runs/${$("cancel-run").dataset.run}/cancel`);
  }));
  $("approve").addEventListener("click", () => guarded($("approve"), async () => {
    notify("Deploying: customer messages wait a moment while the model is swapped…", true);
    const swap = await api("POST", `/api/review/models/${$("approve").dataset.model}/deploy`);
    notify(`${swap.model.name} is serving now (${swap.held_messages} customer messages waited for the swap).`, true);
  }));
  $("discard").addEventListener("click", () => guarded($("discard"), async () => {
    await api("POST", `/api/review/models/${$("discard").dataset.model}/discard`);
    notify("The new model was discarded; nothing changed for customers.", true);
  }));
  $("rollback").addEventListener("click", () => guarded($("rollback"), async () => {
    const swap = await api("POST", "/api/review/rollback");
    notify(`Rolled back: ${swap.model.name} is serving again.`, true);
  }));
  let indexTimer = null;

  function showIndex(status) {
    const box = $("reindex-box");
    if (status.state !== "idle") box.hidden = false;
    $("reindex").disabled = status.state === "running";
    const text = status.state === "running" ? `Rebuilding: ${status.stage}` : status.message || "";
    $("reindex-status").textContent = text;
    $("reindex-status").dataset.state = status.state;
    clearTimeout(indexTimer);
    if (status.state === "running") {
      indexTimer = setTimeout(() => api("GET", "/api/review/index").then(showIndex).catch((e) => notify(e.message)), 1500);
    }
  }

  $("reindex").addEventListener("click", async () => {
    try {
      showIndex(await api("POST", "/api/review/index"));
    } catch (exc) {
      notify(exc.message);
    }
  });
  $("refresh").addEventListener("click", () => loadInbox());
  $("inbox-language").addEventListener("change", () => loadInbox());
  for (const button of document.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }

  loadIntents().catch((e) => notify(e.message));
  loadInbox();
  loadDrafts().catch((e) => notify(e.message));
  loadLabels().catch((e) => notify(e.message));
  loadTraining().catch((e) => notify(e.message));
  api("GET", "/api/review/index").then(showIndex).catch(() => {});
})();
