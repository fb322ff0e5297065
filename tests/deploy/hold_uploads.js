// Test hook (test_multiprocess_browser.py): the page holds the file uploads Streamlit starts
// (axios: an XMLHttpRequest PUT to /_stcore/upload_file/...) until the test calls
// window.__heldUploads.release(); after that (also after a reload) uploads go at once. Holding
// them in the page, not in a Playwright route, needs no Python callback to run at the right moment.
(() => {
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  const DONE = "heldUploadsReleased";
  const held = [];
  window.__heldUploads = {
    count: () => held.length,
    release: () => {
      sessionStorage.setItem(DONE, "1");
      return held.splice(0).map((go) => go()).length;
    },
  };
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.__holdUpload = String(method).toUpperCase() === "PUT" && String(url).includes("/_stcore/upload_file/");
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    if (this.__holdUpload && !sessionStorage.getItem(DONE)) {
      held.push(() => send.call(this, body));
      return undefined;
    }
    return send.call(this, body);
  };
})();
