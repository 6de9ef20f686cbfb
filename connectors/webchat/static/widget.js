/* Baton web chat widget: one script tag, no build step, no dependencies.
 *
 *   <script src="https://gateway.example/widget.js" async></script>
 *
 * The title, accent colour and greeting come from the served assistant's baton.yml
 * (GET /api/widget/config). A page may override any of them, and set the other options:
 *
 *   <script>window.BatonChat = {title: "Help", color: "#4f46e5", greeting: "Hi!"};</script>
 *
 * or on the tag itself: <script src=".../widget.js" data-config='{"title": "Help"}' async></script>
 * `language: "nb"` says which language the customer writes (default: the browser's language;
 * the server keeps it only if the assistant serves it, and otherwise detects it).
 * After load, window.BatonChat also has open(), close(), reset() and send(text).
 * Every text that comes from the server is inserted as text (textContent or text nodes).
 */
(() => {
  "use strict";
  const host = window.BatonChat && typeof window.BatonChat === "object" ? window.BatonChat : {};
  if (host.__loaded) return; // the snippet was pasted twice
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');

  const DEFAULT_BRAND = { title: "Chat with us", colour: "#4f46e5", greeting: "" };
  // the widget's words until the server's arrive in the customer's language (baton/locales/en.yml)
  const DEFAULT_TEXTS = {"status_bot": "Virtual assistant", "status_queued": "Waiting for a team member", "status_resolved": "Conversation resolved", "status_connecting": "Connecting…", "status_reconnecting": "Reconnecting…", "status_offline": "Chat unavailable", "chatting_with": "Chatting with {name}", "chatting_with_team": "Chatting with our team", "line_queued": "Waiting for a team member — someone will be with you shortly.", "line_assigned": "You're now chatting with {name}.", "line_assigned_anonymous": "A team member has joined the chat.", "line_bot": "You're chatting with the assistant again.", "line_resolved": "This conversation was marked as resolved. Write again any time.", "connection_lost": "Connection lost — reconnecting…", "conversation": "Conversation", "placeholder": "Type a message…", "input_label": "Type your message", "send": "Send message", "close": "Close chat", "open": "Open chat: {title}", "unread": "({count} unread)", "team_member": "Team member", "support_team": "Support team", "suggested_replies": "Suggested replies", "sending": "Sending…", "waiting_for_connection": "Waiting for connection…", "not_sent": "Not sent", "retry": "Retry", "retry_label": "Retry sending this message", "agent_typing": "{name} is typing", "someone_typing": "A team member is typing", "bot_typing": "The assistant is typing", "continue_on_telegram": "Continue on Telegram", "telegram_link": "Continue this conversation on Telegram (the link works once, for 15 minutes): {link}", "say_hello_first": "Say hello first, then continue on Telegram.", "telegram_unavailable": "Telegram is not available right now.", "not_allowed": "This site isn't allowed to use the chat.", "something_went_wrong": "Something went wrong.", "too_many": "You're sending messages very quickly. Please wait {seconds} seconds.", "rate_limited": "Too many messages in a short time, so that one was not sent. It is back in the box: send it again in {seconds} s.", "language": "Language", "powered_by": "Powered by Baton"};
  const T = { ...DEFAULT_TEXTS };
  const t = (key, params = {}) => String(T[key] ?? DEFAULT_TEXTS[key] ?? key).replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  const BRAND_WAIT_MS = 3000; // the widget stays hidden this long at most, waiting for its look
  const isColour = (v) => typeof v === "string" && Boolean(window.CSS && CSS.supports("color", v));
  const isText = (v) => typeof v === "string" && v.trim() !== "";

  const config = (() => {
    let inline = {};
    const raw = script && script.getAttribute("data-config");
    if (raw) {
      try { inline = JSON.parse(raw) || {}; } catch { console.warn("BatonChat: data-config is not valid JSON"); }
    }
    const cfg = { ...host, ...inline };
    const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
    const colour = cfg.color ?? cfg.colour;
    return {
      // the page's own look, when given: it wins over the assistant's baton.yml
      page: {
        title: isText(cfg.title) ? cfg.title : null,
        colour: isColour(colour) ? colour : null,
        greeting: typeof cfg.greeting === "string" ? cfg.greeting : null, // "" turns it off
      },
      server: new URL(String(cfg.server || scriptOrigin), location.href).href.replace(/\/+$/, ""),
      open: Boolean(cfg.open),
      // the site has the Telegram channel: offer "Continue on Telegram" (same conversation)
      telegram: Boolean(cfg.telegram),
      // a BCP 47 tag ("nb", "sv-SE"): the page's option, else the browser's own
      language: isText(cfg.language) ? cfg.language : (navigator.language || null),
    };
  })();
  // what the widget shows: the page's options over the assistant's config over the defaults
  const brand = { ...DEFAULT_BRAND };
  const takeBrand = (served) => {
    const s = served && typeof served === "object" ? served : {};
    const p = config.page;
    brand.title = String(p.title ?? (isText(s.title) ? s.title : DEFAULT_BRAND.title));
    brand.colour = p.colour ?? (isColour(s.colour) ? s.colour : DEFAULT_BRAND.colour);
    brand.greeting = String(p.greeting ?? (typeof s.greeting === "string" ? s.greeting : DEFAULT_BRAND.greeting));
  };
  takeBrand(null);
  const LANGUAGE_KEY = `baton:${new URL(config.server).origin}:language`;
  // the customer's choice in the menu, or the conversation's language, wins over the page's
  let language = (() => { try { return localStorage.getItem(LANGUAGE_KEY); } catch { return null; } })() || config.language;
  let languages = {}; // served languages, each named in itself: the menu
  const fetchConfig = async (lang) => {
    const query = lang ? `?language=${encodeURIComponent(lang)}` : "";
    const res = await fetch(`${config.server}/api/widget/config${query}`, { headers: { Accept: "application/json" } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  };
  const brandFetched = fetchConfig(language)
    .catch((e) => { console.warn(`BatonChat: no config from the server (${e.message}): using defaults`); return null; });
  const wsBase = config.server.replace(/^http/, "ws");

  // localStorage can throw (sandboxed iframes, some private modes): fall back to memory
  const storage = (area) => {
    const memory = {};
    return {
      get: (k) => { try { return window[area].getItem(k); } catch { return memory[k] ?? null; } },
      set: (k, v) => { try { window[area].setItem(k, v); } catch { memory[k] = v; } },
      drop: (k) => { try { window[area].removeItem(k); } catch { delete memory[k]; } },
    };
  };
  const local = storage("localStorage");
  const session = storage("sessionStorage");
  const TOKEN_KEY = `baton:${new URL(config.server).origin}:token`;
  const OPEN_KEY = `baton:${new URL(config.server).origin}:open`;

  const STATUS = (state) => (["bot", "queued", "resolved", "connecting", "reconnecting", "offline"].includes(state) ? t(`status_${state}`) : null);
  const OWNER_LINES = {
    queued: () => t("line_queued"),
    assigned: (name) => (name ? t("line_assigned", { name }) : t("line_assigned_anonymous")),
    bot: () => t("line_bot"),
    resolved: () => t("line_resolved"),
  };
  const ICONS = { // static markup only, never server text
    chat: '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-4.3 3.4A.8.8 0 0 1 3.4 21V18H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2Zm3 6.2a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6Zm5 0a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6Zm5 0a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6Z"/></svg>',
    down: '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" d="m6 9 6 6 6-6"/></svg>',
    close: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6 6 18"/></svg>',
    send: '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z"/></svg>',
  };

  const CSS_TEXT = `
#baton-root,#baton-root :where(:not(svg,svg *)){all:revert;box-sizing:border-box;margin:0;font:inherit;letter-spacing:inherit}
#baton-root{position:fixed;z-index:2147483000;right:0;bottom:0;padding:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#111827;text-align:left;letter-spacing:normal}
#baton-root :where(button){cursor:pointer;border:0;background:none;color:inherit;padding:0;text-transform:none}
#baton-root :focus-visible{outline:2px solid var(--bt-ink);outline-offset:2px}
#baton-root .baton-vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
#baton-launcher{position:fixed;right:24px;bottom:24px;width:60px;height:60px;border-radius:50%;background:var(--bt-accent);color:var(--bt-on-accent);display:grid;place-items:center;box-shadow:0 8px 24px rgba(17,24,39,.25);transition:transform .15s ease}
#baton-launcher:hover{transform:scale(1.06)} #baton-launcher:focus-visible{outline-offset:4px}
#baton-root .baton-badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center;box-shadow:0 0 0 2px #fff}
#baton-panel{position:fixed;right:24px;bottom:96px;width:380px;height:min(620px,calc(100vh - 120px));display:flex;flex-direction:column;background:#fff;border-radius:16px;overflow:hidden;box-shadow:0 16px 48px rgba(17,24,39,.22),0 0 0 1px rgba(17,24,39,.06);animation:baton-in .18s ease-out}
#baton-root [hidden]{display:none!important}
#baton-root[data-brand="pending"]{visibility:hidden}
@keyframes baton-in{from{opacity:0;transform:translateY(12px)}}
#baton-root .baton-header{display:flex;align-items:center;gap:12px;padding:14px 12px 14px 16px;background:var(--bt-accent);color:var(--bt-on-accent)}
#baton-root .baton-avatar{flex:none;width:38px;height:38px;border-radius:50%;display:grid;place-items:center;background:rgba(255,255,255,.22);font-weight:700;font-size:17px}
#baton-root .baton-head{flex:1;min-width:0} #baton-root .baton-title{font-size:16px;font-weight:650;line-height:1.25;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#baton-root .baton-status{font-size:12.5px;opacity:.85;display:flex;align-items:center;gap:6px}
#baton-root .baton-status::before{content:"";width:8px;height:8px;border-radius:50%;background:#22c55e;box-shadow:0 0 0 2px rgba(255,255,255,.5)}
#baton-panel:not([data-state="ready"]) .baton-status::before{background:#f59e0b}
#baton-root .baton-close{width:36px;height:36px;border-radius:8px;display:grid;place-items:center}
#baton-root .baton-language{height:30px;max-width:9em;border:1px solid rgba(255,255,255,.5);border-radius:6px;background:transparent;color:inherit;font:inherit;font-size:13px;padding:0 4px}
#baton-root .baton-language option{color:#111827}
#baton-root .baton-language[hidden]{display:none} #baton-root .baton-close:hover{background:rgba(255,255,255,.18)}
#baton-root .baton-conn{padding:6px 12px;background:#fef3c7;color:#92400e;font-size:12.5px;text-align:center}
#baton-root .baton-scroll{flex:1;overflow-y:auto;overscroll-behavior:contain;background:#f7f8fa;padding:16px 14px 8px}
#baton-messages{display:flex;flex-direction:column;gap:10px}
#baton-root .baton-msg{display:flex;flex-direction:column;align-items:flex-start;max-width:85%;animation:baton-in .16s ease-out}
#baton-root .baton-msg[data-sender="customer"]{align-self:flex-end;align-items:flex-end}
#baton-root .baton-bubble{padding:9px 13px;border-radius:16px 16px 16px 4px;background:#fff;border:1px solid #e5e7eb;white-space:pre-wrap;overflow-wrap:anywhere}
#baton-root .baton-bubble a{color:inherit;text-decoration:underline}
#baton-root [data-sender="customer"] .baton-bubble{background:var(--bt-accent);color:var(--bt-on-accent);border-color:transparent;border-radius:16px 16px 4px 16px}
#baton-root [data-sender="agent"] .baton-bubble{background:#eef2ff;background:color-mix(in srgb,var(--bt-accent) 9%,#fff);border-color:color-mix(in srgb,var(--bt-accent) 30%,#fff);border-left:3px solid var(--bt-accent)}
#baton-root .baton-meta{font-size:12px;font-weight:600;color:#4b5563;margin:0 0 3px 4px} #baton-root .baton-meta small{font-weight:400;color:#6b7280;font-size:11.5px}
#baton-root .baton-chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
#baton-root .baton-chip{padding:6px 12px;border-radius:999px;border:1.5px solid var(--bt-ink);color:var(--bt-ink);background:#fff;font-size:13.5px;font-weight:550;line-height:1.3;transition:background .12s,color .12s}
#baton-root .baton-chip:hover:not(:disabled){background:var(--bt-accent);border-color:var(--bt-accent);color:var(--bt-on-accent)}
#baton-root .baton-chip:disabled{opacity:.45;cursor:default}
#baton-root .baton-receipt{font-size:11.5px;color:#6b7280;margin:3px 4px 0;display:flex;gap:8px;align-items:baseline;justify-content:flex-end;text-align:right}
#baton-root .baton-receipt:empty{display:none} #baton-root [data-status="failed"] .baton-bubble{opacity:.6}
#baton-root .baton-retry{color:var(--bt-ink);font-weight:600;text-decoration:underline} #baton-root .baton-error{color:#b91c1c}
#baton-root .baton-system,#baton-root .baton-notice{align-self:center;max-width:90%;padding:4px 10px;border-radius:999px;background:#eceef2;color:#4b5563;font-size:12.5px;text-align:center}
#baton-root .baton-notice{background:#fef2f2;color:#b91c1c}
#baton-root .baton-typing{display:inline-flex;gap:4px;margin-top:10px;padding:12px 14px;border-radius:16px 16px 16px 4px;background:#fff;border:1px solid #e5e7eb}
#baton-root .baton-typing i{width:7px;height:7px;border-radius:50%;background:#9ca3af;animation:baton-dot 1.2s infinite ease-in-out}
#baton-root .baton-typing i:nth-child(2){animation-delay:.15s} #baton-root .baton-typing i:nth-child(3){animation-delay:.3s}
@keyframes baton-dot{0%,60%,100%{transform:none;opacity:.5}30%{transform:translateY(-4px);opacity:1}}
#baton-root .baton-composer{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid #e5e7eb;background:#fff}
#baton-input{flex:1;resize:none;max-height:120px;min-height:42px;padding:10px 12px;border:1px solid #d1d5db;border-radius:12px;background:#fff;color:#111827;line-height:1.4}
#baton-input:focus{outline:none;border-color:var(--bt-accent);box-shadow:0 0 0 3px color-mix(in srgb,var(--bt-accent) 22%,transparent)} #baton-input::placeholder{color:#9ca3af}
#baton-send{flex:none;width:42px;height:42px;border-radius:50%;background:var(--bt-accent);color:var(--bt-on-accent);display:grid;place-items:center;transition:opacity .12s}
#baton-send.baton-idle{opacity:.5}
#baton-root .baton-footer{padding:0 0 8px;background:#fff;text-align:center;font-size:11px;color:#9ca3af}
#baton-root .baton-handover{color:var(--bt-ink);text-decoration:underline;font-size:11px}
@media (max-width:480px){
 #baton-panel{right:0;bottom:0;width:100vw;height:100vh;height:100dvh;border-radius:0}
 #baton-launcher{right:16px;bottom:16px} #baton-root.baton-is-open #baton-launcher{display:none} #baton-input{font-size:16px}
}
@media (prefers-reduced-motion:reduce){#baton-root *{animation:none!important;transition:none!important}}
`;

  // --- tiny DOM helpers: text goes in as text nodes, never as markup ---
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k === "icon") node.innerHTML = ICONS[v];
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  };
  const URL_RE = /\bhttps?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]]/g;
  const fillText = (node, text) => { // links become <a> with an http(s) href; the rest stays text
    let last = 0;
    for (const m of text.matchAll(URL_RE)) {
      node.append(text.slice(last, m.index), el("a", { href: m[0], target: "_blank", rel: "noopener noreferrer nofollow", text: m[0] }));
      last = m.index + m[0].length;
    }
    node.append(text.slice(last));
    return node;
  };
  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));

  // --- the UI ---
  const badge = el("span", { class: "baton-badge", hidden: true, "aria-hidden": "true" });
  const launcherIcon = el("span", { icon: "chat" });
  const launcher = el("button", { id: "baton-launcher", type: "button", "aria-controls": "baton-panel", "aria-expanded": "false", onclick: () => (isOpen ? close() : open()) }, launcherIcon, badge);
  const statusText = el("p", { class: "baton-status", text: STATUS("bot") });
  const connBanner = el("div", { class: "baton-conn", role: "status", hidden: true, text: t("connection_lost") });
  const log = el("div", { id: "baton-messages", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": t("conversation") });
  const typingLabel = el("span", { class: "baton-vh" });
  const typing = el("div", { class: "baton-typing", hidden: true, role: "status" }, el("i"), el("i"), el("i"), typingLabel);
  const scroller = el("div", { class: "baton-scroll" }, log, typing);
  const input = el("textarea", { id: "baton-input", rows: "1", placeholder: t("placeholder"), "aria-label": t("input_label"), autocomplete: "off" });
  const sendButton = el("button", { id: "baton-send", type: "submit", class: "baton-idle", "aria-label": t("send"), icon: "send" });
  const composer = el("form", { class: "baton-composer", onsubmit: (e) => { e.preventDefault(); submitInput(); } }, input, sendButton);
  const avatar = el("div", { class: "baton-avatar", "aria-hidden": "true" });
  const titleText = el("h2", { class: "baton-title" });
  // the language menu: shown when the assistant serves more than one language
  const languageMenu = el("select", { class: "baton-language", "aria-label": t("language"), hidden: true, onchange: () => chooseLanguage(languageMenu.value) });
  const closeButton = el("button", { class: "baton-close", type: "button", "aria-label": t("close"), icon: "close", onclick: () => close() });
  const telegramButton = config.telegram ? el("button", { type: "button", class: "baton-handover", text: t("continue_on_telegram"), onclick: () => continueOnTelegram() }) : null;
  const poweredBy = el("span", { text: t("powered_by") });
  const panel = el("section", { id: "baton-panel", role: "dialog", hidden: true, "data-state": "idle" },
    el("header", { class: "baton-header" },
      avatar,
      el("div", { class: "baton-head" }, titleText, statusText),
      languageMenu, closeButton),
    connBanner, scroller, composer,
    el("p", { class: "baton-footer" }, telegramButton, config.telegram ? " · " : null, poweredBy));
  const root = el("div", { id: "baton-root", class: "baton-root", "data-brand": "pending" }, panel, launcher);

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submitInput(); }
  });
  input.addEventListener("input", () => {
    sendButton.classList.toggle("baton-idle", !input.value.trim());
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
    noteTyping();
  });
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });

  // --- state ---
  let isOpen = false, started = false, owner = "bot", agentName = null, unread = 0;
  let ws = null, conversationId = null, ready = false, connecting = false, attempt = 0, generation = 0, conn = "idle";
  let retryTimer = 0, pingTimer = 0, typingTimer = 0, redeemed = false;
  let retryAfter = 0; // seconds the server asked us to wait before connecting again (429)
  const seen = new Set(); // server message ids already shown
  const pending = new Map(); // client_id -> {clientId, text, payload, node, status}: not yet stored

  // the agent who owns the chat sees when the customer is typing (the bot does not care)
  let typingSent = false, typingIdle = 0;
  function sendTyping(on) {
    if (typingSent === on || !(ws && ready && ws.readyState === WebSocket.OPEN)) return;
    typingSent = on;
    ws.send(JSON.stringify({ type: "typing", on }));
  }
  function noteTyping() {
    clearTimeout(typingIdle);
    const now = owner === "assigned" && Boolean(input.value.trim());
    sendTyping(now);
    if (now) typingIdle = setTimeout(() => sendTyping(false), 4000);
  }

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  const scrollDown = () => { scroller.scrollTop = scroller.scrollHeight; };
  const append = (node, force) => { const stick = force || nearBottom(); log.append(node); if (stick) scrollDown(); };

  function refreshStatus() {
    let text = STATUS(conn) || STATUS(owner) || STATUS("bot");
    if (conn === "ready" && owner === "assigned") text = agentName ? t("chatting_with", { name: agentName }) : t("chatting_with_team");
    statusText.textContent = text;
    panel.dataset.state = conn;
    connBanner.hidden = conn !== "reconnecting";
  }
  const setConn = (state) => { conn = state; refreshStatus(); };

  function bubble(sender, text, opts = {}) {
    const node = el("div", { class: "baton-msg", "data-sender": sender, "data-id": opts.id, "data-client-id": opts.clientId, "data-local": opts.local });
    if (sender === "agent") node.append(el("div", { class: "baton-meta" }, opts.agentName || t("team_member"), el("small", { text: ` · ${t("support_team")}` })));
    const body = fillText(el("div", { class: "baton-bubble" }), text);
    if (opts.createdAt) { const d = new Date(opts.createdAt); if (!isNaN(d)) body.title = d.toLocaleString(); }
    node.append(body);
    if (sender === "customer") node.append(el("div", { class: "baton-receipt" }));
    return node;
  }

  function chips(buttons) {
    const group = el("div", { class: "baton-chips", role: "group", "aria-label": t("suggested_replies") });
    for (const b of buttons) {
      if (!b || typeof b.title !== "string") continue;
      group.append(el("button", { type: "button", class: "baton-chip", text: b.title, onclick: () => {
        for (const chip of group.querySelectorAll("button")) chip.disabled = true;
        send(b.title, typeof b.payload === "string" ? b.payload : null);
        input.focus();
      } }));
    }
    return group;
  }
  const disableAllChips = () => { for (const chip of log.querySelectorAll(".baton-chip")) chip.disabled = true; };
  const systemLine = (text) => append(el("div", { class: "baton-system", text }));
  const notice = (text) => append(el("div", { class: "baton-notice baton-error", role: "alert", text }), true);

  function renderMessage(m, live) {
    if (!m || typeof m !== "object" || (m.id != null && seen.has(m.id))) return;
    if (m.id != null) seen.add(m.id);
    const sender = ["customer", "bot", "agent"].includes(m.sender) ? m.sender : "bot";
    const text = typeof m.text === "string" ? m.text : "";
    if (sender === "customer") {
      disableAllChips();
      const mine = m.client_id && pending.get(m.client_id);
      if (mine) {
        pending.delete(m.client_id);
        if (mine.node.isConnected) { // the echo of our optimistic bubble: mark it delivered
          mine.node.dataset.id = m.id;
          setStatus(mine, "sent");
          return;
        }
      }
    } else if (live) {
      showTyping(sender, false);
      if (!isOpen) { unread += 1; refreshBadge(); }
    }
    if (sender === "agent" && m.agent_name) { agentName = String(m.agent_name); refreshStatus(); }
    const node = bubble(sender, text, { id: m.id, clientId: m.client_id, agentName: m.agent_name, createdAt: m.created_at });
    if (sender !== "customer" && Array.isArray(m.buttons) && m.buttons.length) node.append(chips(m.buttons));
    append(node, sender === "customer");
  }

  const RECEIPTS = { sending: () => t("sending"), queued: () => t("waiting_for_connection") };
  function setStatus(item, status, reason) {
    const stick = nearBottom();
    item.status = status;
    item.node.dataset.status = status;
    const receipt = item.node.querySelector(".baton-receipt");
    receipt.replaceChildren(RECEIPTS[status] ? RECEIPTS[status]() : "");
    if (status === "failed") {
      receipt.append(el("span", { class: "baton-error", text: `${t("not_sent")}${reason ? `: ${reason}` : ""}` }),
        el("button", { type: "button", class: "baton-retry", text: t("retry"), "aria-label": t("retry_label"), onclick: () => transmit(item) }));
    }
    if (stick) scrollDown();
  }

  function showTyping(sender, on) {
    clearTimeout(typingTimer);
    typingLabel.textContent = sender === "agent" ? (agentName ? t("agent_typing", { name: agentName }) : t("someone_typing")) : t("bot_typing");
    const stick = nearBottom();
    typing.hidden = !on;
    if (on) { typingTimer = setTimeout(() => { typing.hidden = true; }, 20000); if (stick) scrollDown(); }
  }

  function refreshBadge() {
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? "9+" : String(unread);
    launcher.setAttribute("aria-label", isOpen ? t("close") : `${t("open", { title: brand.title })}${unread ? ` ${t("unread", { count: unread })}` : ""}`);
  }

  // The greeting opens a conversation that has no messages yet; it is never sent to the server.
  let greets = false; // the conversation on screen had no messages when it was drawn
  function refreshGreeting() {
    const old = log.querySelector('[data-local="greeting"]');
    const now = greets && brand.greeting ? bubble("bot", brand.greeting, { local: "greeting" }) : null;
    if (old && now) old.replaceWith(now);
    else if (old) old.remove();
    else if (now) log.prepend(now);
  }

  // Render a whole conversation: its `ready` carries the full history. Until then (`known`
  // false: a conversation from an earlier visit is loading) the log stays empty.
  function renderHistory(messages, known = true) {
    seen.clear();
    log.replaceChildren();
    greets = known && messages.length === 0;
    refreshGreeting();
    for (const m of messages) renderMessage(m, false);
    for (const item of pending.values()) log.append(item.node); // typed but not yet stored
    scrollDown();
  }

  // --- sending ---
  function send(text, payload = null) {
    text = String(text ?? "").trim();
    if (!text) return;
    const clientId = newId();
    const item = { clientId, text, payload, node: bubble("customer", text, { clientId }), status: "new" };
    pending.set(clientId, item);
    disableAllChips();
    transmit(item); // sets the receipt before the bubble is measured for scrolling
    append(item.node, true);
    if (!started) start();
  }
  // Resending reuses the client_id, so the server stores a message at most once.
  function transmit(item) {
    if (ws && ready && ws.readyState === WebSocket.OPEN) {
      const frame = { type: "message", text: item.text, client_id: item.clientId };
      if (item.payload) frame.payload = item.payload;
      ws.send(JSON.stringify(frame));
      setStatus(item, "sending");
    } else setStatus(item, "queued");
  }
  function submitInput() {
    if (!input.value.trim()) return;
    send(input.value);
    input.value = "";
    input.dispatchEvent(new Event("input"));
  }

  // --- connection ---
  function start() { started = true; connect(); }

  // --- moving the conversation between channels ---
  // Telegram's /web gives a one-time code in a link (?baton_continue=…): the widget trades it
  // for a token of that same conversation, then drops it from the address bar
  function takeContinueCode() {
    try {
      const url = new URL(location.href);
      const code = url.searchParams.get("baton_continue");
      if (!code) return null;
      url.searchParams.delete("baton_continue");
      history.replaceState(history.state, "", url.href);
      return code;
    } catch { return null; }
  }
  async function redeemCode(code) {
    const res = await fetch(`${config.server}/api/conversations/continue`, {
      method: "POST", headers: { Accept: "application/json", "Content-Type": "application/json" }, body: JSON.stringify({ code }) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = await res.json();
    if (!body || typeof body.token !== "string") throw new Error("no token in the response");
    local.set(TOKEN_KEY, body.token);
    return body.token;
  }
  async function continueOnTelegram() {
    const token = local.get(TOKEN_KEY);
    if (!token || !conversationId) { systemLine(t("say_hello_first")); return; }
    try {
      const res = await fetch(`${config.server}/api/conversations/${encodeURIComponent(conversationId)}/continue-on/telegram`, {
        method: "POST", headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });
      const body = res.ok ? await res.json() : null;
      if (!body || typeof body.link !== "string" || !body.link.startsWith("https://t.me/")) throw new Error(`HTTP ${res.status}`);
      append(fillText(el("div", { class: "baton-system" }), t("telegram_link", { link: body.link })), true);
    } catch { notice(t("telegram_unavailable")); }
  }
  const continueCode = takeContinueCode();

  async function createConversation() {
    const res = await fetch(`${config.server}/api/conversations`, {
      method: "POST", headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(language ? { language } : {}) });
    if (res.status === 429) retryAfter = Number(res.headers.get("Retry-After")) || 5;
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = await res.json();
    if (!body || typeof body.token !== "string") throw new Error("no token in the response");
    local.set(TOKEN_KEY, body.token);
    return body.token;
  }

  function connect() {
    clearTimeout(retryTimer);
    if (ws || connecting) return;
    connecting = true;
    const gen = generation;
    if (conn !== "reconnecting") setConn("connecting");
    const token = local.get(TOKEN_KEY);
    const code = continueCode && !redeemed ? (redeemed = true, continueCode) : null;
    const tokenFor = code ? redeemCode(code).catch(() => token || createConversation()) : token ? Promise.resolve(token) : createConversation();
    tokenFor.then(
      (t) => { if (gen === generation) { connecting = false; openSocket(t); } },
      () => { if (gen === generation) { connecting = false; setConn("reconnecting"); reconnectLater(); } });
  }

  function openSocket(token) {
    const socket = new WebSocket(`${wsBase}/ws/chat?token=${encodeURIComponent(token)}`);
    ws = socket;
    socket.onmessage = (e) => { if (ws === socket) onFrame(e.data); };
    socket.onclose = (e) => {
      if (ws !== socket) return; // closed on purpose (reset)
      ws = null; ready = false;
      clearInterval(pingTimer);
      showTyping("bot", false);
      if (e.code === 4401) { // the token is unknown: start a new conversation
        local.drop(TOKEN_KEY);
        setConn("connecting");
        reconnectLater();
      } else if (e.code === 4429) { // too many connections: back after the wait it gave
        setConn("reconnecting");
        for (const item of pending.values()) if (item.status === "sending") setStatus(item, "queued");
        reconnectLater();
      } else if (e.code === 4403) {
        setConn("offline");
        notice(t("not_allowed"));
      } else {
        setConn("reconnecting");
        for (const item of pending.values()) if (item.status === "sending") setStatus(item, "queued");
        reconnectLater();
      }
    };
  }

  function reconnectLater() {
    clearTimeout(retryTimer);
    let delay = Math.min(10000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
    if (retryAfter > 0) { // refused for going too fast: wait what the server said, say so
      delay = Math.max(delay, retryAfter * 1000);
      notice(t("too_many", { seconds: Math.ceil(retryAfter) }));
      retryAfter = 0;
    }
    attempt += 1;
    retryTimer = setTimeout(connect, delay);
  }

  function onFrame(data) {
    let f;
    try { f = JSON.parse(data); } catch { return; }
    if (!f || typeof f !== "object") return;
    switch (f.type) {
      case "ready": {
        const history = Array.isArray(f.messages) ? f.messages : [];
        ready = true;
        attempt = 0;
        owner = f.owner || "bot";
        if (typeof f.language === "string" && f.language) followLanguage(f.language);
        setConn("ready");
        // a reconnect to the same conversation only adds what was missed; a new one starts over
        if (f.conversation_id !== conversationId) renderHistory(history);
        else for (const m of history) renderMessage(m, false);
        conversationId = f.conversation_id;
        for (const item of pending.values()) if (item.status !== "failed") transmit(item);
        clearInterval(pingTimer);
        pingTimer = setInterval(() => { if (ws && ready) ws.send('{"type":"ping"}'); }, 25000);
        break;
      }
      case "message": renderMessage(f.message, true); break;
      case "typing": showTyping(f.sender, Boolean(f.on)); break;
      case "language": if (typeof f.language === "string") followLanguage(f.language); break;
      case "owner":
        if (typeof f.owner !== "string" || (f.owner === owner && !(f.agent_name && f.agent_name !== agentName))) break;
        owner = f.owner;
        if (f.agent_name) agentName = String(f.agent_name);
        if (OWNER_LINES[owner]) systemLine(OWNER_LINES[owner](owner === "assigned" ? agentName : null));
        refreshStatus();
        break;
      case "error": {
        if (f.code === "invalid_token") break; // the close (4401) that follows starts over
        const item = f.client_id && pending.get(f.client_id);
        if (f.code === "rate_limited") {
          const seconds = Math.max(1, Math.ceil(Number(f.retry_after) || 5));
          if (!item) { retryAfter = seconds; break; } // the socket's close (4429) follows
          if (item.payload) { setStatus(item, "failed", t("rate_limited", { seconds })); break; }
          // not stored: the text goes back into the box, nothing the customer wrote is lost
          pending.delete(item.clientId);
          item.node.remove();
          input.value = input.value.trim() ? `${item.text}\n${input.value}` : item.text;
          input.dispatchEvent(new Event("input"));
          notice(t("rate_limited", { seconds }));
          break;
        }
        if (item) setStatus(item, "failed", typeof f.message === "string" ? f.message : "");
        else notice(typeof f.message === "string" && f.message ? f.message : t("something_went_wrong"));
        break;
      }
      default: // pong and anything newer than this widget
    }
  }

  window.addEventListener("online", () => {
    if (started && !ws && !connecting) { attempt = 0; connect(); }
  });

  // --- public API ---
  function setOpen(flag) {
    if (flag === isOpen) return;
    const hadFocus = panel.contains(document.activeElement);
    isOpen = flag;
    panel.hidden = !flag;
    root.classList.toggle("baton-is-open", flag);
    launcher.setAttribute("aria-expanded", String(flag));
    launcherIcon.innerHTML = ICONS[flag ? "down" : "chat"];
    if (flag) unread = 0;
    refreshBadge();
    if (!flag) { session.drop(OPEN_KEY); if (hadFocus) launcher.focus(); return; }
    session.set(OPEN_KEY, "1"); // stays open across page navigations within the tab
    if (!started) start();
    requestAnimationFrame(() => { scrollDown(); input.focus({ preventScroll: true }); });
  }
  const open = () => setOpen(true);
  const close = () => setOpen(false);
  function reset() {
    generation += 1; // ignore whatever the old connection still delivers
    const old = ws;
    ws = null; ready = false; connecting = false; attempt = 0;
    clearTimeout(retryTimer); clearInterval(pingTimer);
    if (old) old.close(1000);
    local.drop(TOKEN_KEY);
    pending.clear();
    owner = "bot"; agentName = null; unread = 0; conversationId = null;
    refreshBadge();
    showTyping("bot", false);
    renderHistory([]);
    start();
  }

  // The widget's words in the customer's language (all set as text), and the language menu.
  function takeTexts(served) {
    if (!served || typeof served !== "object") return;
    if (served.texts && typeof served.texts === "object") Object.assign(T, served.texts);
    if (served.languages && typeof served.languages === "object") languages = served.languages;
    if (typeof served.language === "string") language = served.language;
  }
  function applyTexts() {
    connBanner.textContent = t("connection_lost");
    log.setAttribute("aria-label", t("conversation"));
    input.placeholder = t("placeholder");
    input.setAttribute("aria-label", t("input_label"));
    sendButton.setAttribute("aria-label", t("send"));
    closeButton.setAttribute("aria-label", t("close"));
    languageMenu.setAttribute("aria-label", t("language"));
    if (telegramButton) telegramButton.textContent = t("continue_on_telegram");
    poweredBy.textContent = t("powered_by");
    const codes = Object.keys(languages);
    languageMenu.replaceChildren(...codes.map((code) => el("option", { value: code, text: String(languages[code]) })));
    languageMenu.hidden = codes.length < 2;
    if (language && codes.includes(language)) languageMenu.value = language;
    panel.setAttribute("lang", language || "");
    refreshStatus();
  }
  async function relabel(lang) {
    try { const served = await fetchConfig(lang); takeTexts(served); takeBrand(served); applyBrand(); } catch { /* keep the words we have */ }
  }
  // the customer picked a language in the menu: the conversation speaks it from now on
  async function chooseLanguage(lang) {
    if (!lang || lang === language) return;
    language = lang;
    try { localStorage.setItem(LANGUAGE_KEY, lang); } catch { /* memory only */ }
    await relabel(lang);
    const token = local.get(TOKEN_KEY);
    if (token && conversationId) {
      fetch(`${config.server}/api/conversations/${encodeURIComponent(conversationId)}/language`, {
        method: "PUT", headers: { Accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ language: lang }) }).catch(() => {});
    }
  }
  // the server says the conversation's language (detected, or asked for in words)
  function followLanguage(lang) {
    if (lang === language || !(lang in languages)) return;
    language = lang;
    try { localStorage.setItem(LANGUAGE_KEY, lang); } catch { /* memory only */ }
    relabel(lang);
  }

  // Title, accent colour and greeting; all set as text or as a checked CSS colour.
  function applyBrand() {
    applyTexts();
    panel.setAttribute("aria-label", brand.title);
    titleText.textContent = brand.title;
    avatar.textContent = brand.title.trim().charAt(0).toUpperCase() || "?";
    root.style.setProperty("--bt-accent", brand.colour);
    // readable text on the accent colour, and an accent that is readable as text on white
    const probe = el("span");
    probe.style.color = brand.colour;
    root.append(probe);
    const [r, g, b] = (getComputedStyle(probe).color.match(/\d+(\.\d+)?/g) || [79, 70, 229]).map(Number);
    probe.remove();
    const lum = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    root.style.setProperty("--bt-on-accent", lum > 0.6 ? "#111827" : "#ffffff");
    root.style.setProperty("--bt-ink", lum > 0.55 ? "#1f2937" : brand.colour);
    refreshBadge();
    refreshGreeting();
  }

  function mount() {
    document.head.append(el("style", { id: "baton-style", text: CSS_TEXT }));
    document.body.append(root);
    applyBrand();
    // hidden until the assistant's look arrives (or not, after a while): no flash of defaults
    const shown = () => { root.dataset.brand = "ready"; };
    const waited = setTimeout(shown, BRAND_WAIT_MS);
    brandFetched.then((served) => { takeTexts(served); takeBrand(served); applyBrand(); clearTimeout(waited); shown(); });
    renderHistory([], !local.get(TOKEN_KEY) && !continueCode);
    if (local.get(TOKEN_KEY) || continueCode) start(); // a conversation survives a reload: history arrives in `ready`
    if (config.open || session.get(OPEN_KEY) || continueCode) open();
  }

  window.BatonChat = Object.assign(host, { open, close, reset, send, __loaded: true });
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
