// The demo page's own script (a file: the page's Content-Security-Policy runs no inline code).
// The widget reads its options from window.BatonChat when it loads: empty here, so its
// look comes from baton.yml (title, color or greeting set here would override it).
window.BatonChat = window.BatonChat || {};

// The page's own integration: the widget's public API opens the chat.
document.getElementById("demo-open").addEventListener("click", () => {
  if (window.BatonChat.open) window.BatonChat.open(); // else the widget has not loaded yet
});
document.getElementById("demo-snippet").textContent =
  `<script src="${location.origin}/widget.js" async><\/script>`;
// The page shows the served assistant's name and colour too (texts go in as text).
fetch("/api/widget/config", { headers: { Accept: "application/json" } })
  .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`HTTP ${res.status}`))))
  .then((brand) => {
    const title = typeof brand.title === "string" && brand.title.trim() ? brand.title : "the assistant";
    document.title = `${title} — web chat demo`;
    document.getElementById("demo-name").textContent = title;
    document.getElementById("demo-mark").textContent = title.trim().charAt(0).toUpperCase();
    document.getElementById("demo-heading").textContent = `Chat with ${title}`;
    if (typeof brand.colour === "string" && CSS.supports("color", brand.colour)) {
      document.documentElement.style.setProperty("--brand", brand.colour);
    }
  })
  .catch((e) => console.warn("demo page: no widget config", e));
