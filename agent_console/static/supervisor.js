// Baton supervisor dashboard: keeps the live panel current (polls /console/supervisor/live).
// Everything from the server is written as text, never as markup.
"use strict";
(function () {
  const PERIOD_MS = 5000;
  const $ = (id) => document.getElementById(id);

  function cell(row, text, cls) {
    const td = document.createElement("td");
    if (cls) {
      const span = document.createElement("span");
      span.className = cls.name;
      span.dataset.presence = cls.presence;
      span.textContent = text;
      td.appendChild(span);
    } else {
      td.textContent = text;
    }
    row.appendChild(td);
  }

  function fill(tbody, rows, empty, columns) {
    tbody.replaceChildren();
    if (!rows.length) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = document.createElement("td");
      td.colSpan = columns;
      td.textContent = empty;
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    return rows.map(() => {
      const tr = document.createElement("tr");
      tbody.appendChild(tr);
      return tr;
    });
  }

  function render(live) {
    $("open-total").textContent = live.open.total;
    $("open-bot").textContent = live.open.bot;
    $("open-queued").textContent = live.open.queued;
    $("open-assigned").textContent = live.open.assigned;
    $("negative-count").textContent = live.negative.length;
    const at = $("live-at");
    at.dateTime = live.at;
    at.textContent = live.at.slice(11, 19) + " UTC";

    const queueRows = fill($("queues"), live.queues, "Nobody is waiting.", 3);
    live.queues.forEach((q, i) => {
      cell(queueRows[i], q.queue);
      cell(queueRows[i], String(q.waiting));
      cell(queueRows[i], (q.longest_wait_seconds / 60).toFixed(1) + " min");
    });
    const agentRows = fill($("agents"), live.agents, "No agents yet.", 3);
    live.agents.forEach((a, i) => {
      cell(agentRows[i], a.name);
      cell(agentRows[i], a.presence, { name: "presence-dot", presence: a.presence });
      cell(agentRows[i], a.load + " / " + a.capacity);
    });
    const list = $("negative");
    list.replaceChildren();
    if (!live.negative.length) {
      const li = document.createElement("li");
      li.className = "empty muted";
      li.textContent = "No open conversation is turning negative.";
      list.appendChild(li);
    }
    for (const n of live.negative) {
      const li = document.createElement("li");
      for (const text of [n.owner, n.channel]) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = text;
        li.append(badge, " ");
      }
      const mood = document.createElement("span");
      mood.className = "mood";
      mood.textContent = String(n.sentiment);
      const words = document.createElement("q");
      words.textContent = n.last_text;
      li.append(mood, " ", words);
      list.appendChild(li);
    }
  }

  async function poll() {
    const state = $("live-state");
    try {
      const response = await fetch("/console/supervisor/live", { credentials: "same-origin" });
      if (response.status === 401) {
        window.location.assign("/console/login");
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      render(await response.json());
      state.dataset.state = "live";
      state.textContent = "Live";
    } catch (err) {
      state.dataset.state = "offline";
      state.textContent = "Reconnecting…";
    }
    window.setTimeout(poll, PERIOD_MS);
  }

  document.addEventListener("DOMContentLoaded", () => window.setTimeout(poll, PERIOD_MS));
})();
