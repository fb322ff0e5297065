/* SiKondusif: the script every page gets once per browser tab (kondusif/ui/screen.py, issue 12).
   Sent inline and named by its hash in the page's CSP (kondusif/web/middleware.py), so it is
   read from this file once and sent byte for byte.
   - 12.7: a tap on a menu item closes the sidebar on narrow screens (767 px: below
     Streamlit's md breakpoint the sidebar lies over the page);
   - 12.10: the few English strings Streamlit draws itself, in Indonesian;
   - 30.9: the page's language is Indonesian (the lang attribute of the html element), and the English words Streamlit
     puts in attributes (the "Help for …" label of a help icon, a select box's placeholder) too. */
(function () {
  var w = window.parent && window.parent.document && window.parent !== window ? window.parent : window;
  if (w.__skScreen) return;
  w.__skScreen = true;
  var doc = w.document;
  doc.documentElement.lang = "id";
  var TEXTS = {
    "Drag and drop a file here": "Seret berkas ke sini",
    "Drag and drop files here": "Seret berkas ke sini",
    "Upload": "Pilih berkas",
    "Browse files": "Pilih berkas",
    "No results": "Tidak ada yang cocok",
    "Select all": "Pilih semua",
    "Clear all": "Hapus semua",
    "Skip to main content": "Langsung ke isi utama",
    "Press Enter to submit form": "Tekan Enter untuk mengirim",
    "Press Ctrl+Enter to submit form": "Tekan Ctrl+Enter untuk mengirim",
    "Press ⌘+Enter to submit form": "Tekan ⌘+Enter untuk mengirim",
    "Press Enter to apply": "Tekan Enter untuk menerapkan",
    "Choose an option": "Pilih salah satu",
    "Choose options": "Pilih satu atau lebih",
    "Help": "Bantuan"
  }, PATTERNS = [
    [/^(\d+(?:[.,]\d+)?)\s?([KMG]B) per file(.*)$/, "Maks. $1 $2 per berkas$3"],
    [/^(.+) files are not allowed\.$/, "Berkas $1 tidak diterima."],
    [/^Help for (.+)$/, "Bantuan: $1"]
  ], ATTRIBUTES = ["aria-label", "placeholder", "title"];
  function inIndonesian(s) {
    if (Object.prototype.hasOwnProperty.call(TEXTS, s)) return TEXTS[s];
    for (var i = 0; i < PATTERNS.length; i++) {
      if (PATTERNS[i][0].test(s)) return s.replace(PATTERNS[i][0], PATTERNS[i][1]);
    }
    return null;
  }
  // Issue 12.7: a tap on a menu item closes the sidebar on narrow screens.
  doc.addEventListener("click", function (e) {
    var link = e.target && e.target.closest && e.target.closest('[data-testid="stSidebarNavLink"]');
    if (!link || w.innerWidth > 767) return;
    // Close once the new page is under way (closing at once can swallow the navigation).
    var from = w.location.pathname, tries = 0;
    var timer = w.setInterval(function () {
      if (w.location.pathname === from && ++tries < 40) return;
      w.clearInterval(timer);
      var btn = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (btn && w.innerWidth <= 767) btn.click();
    }, 100);
  }, true);
  // Issue 12.10: Streamlit's own English strings, in Indonesian.
  function translate(node) {
    var walker = doc.createTreeWalker(node, NodeFilter.SHOW_TEXT), t, todo = [];
    while ((t = walker.nextNode())) todo.push(t);
    todo.forEach(function (n) {
      var raw = n.nodeValue, s = raw.trim(), said = s && inIndonesian(s);
      if (said) n.nodeValue = raw.replace(s, said);
    });
    ATTRIBUTES.forEach(function (name) {
      node.querySelectorAll("[" + name + "]").forEach(function (el) {
        var said = inIndonesian(el.getAttribute(name).trim());
        if (said) el.setAttribute(name, said);
      });
    });
    if (doc.documentElement.lang !== "id") doc.documentElement.lang = "id";
  }
  var pending = false;
  new w.MutationObserver(function () {
    if (pending) return;
    pending = true;
    w.requestAnimationFrame(function () { pending = false; translate(doc.body); });
  }).observe(doc.body, {childList: true, subtree: true, characterData: true, attributes: true,
                       attributeFilter: ATTRIBUTES});
  translate(doc.body);
})();
