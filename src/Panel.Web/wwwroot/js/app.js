// The few things the admin UI needs from the browser itself.
window.panel = {
  getTheme: () => localStorage.getItem("panel.theme"),
  setTheme: (value) => localStorage.setItem("panel.theme", value),
  download: (fileName, contentType, text) => {
    const url = URL.createObjectURL(new Blob([text], { type: contentType }));
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    URL.revokeObjectURL(url);
  },
  // Copies text and says how: "copied" (the clipboard API), "copied-legacy" (a selection copied with
  // execCommand, where the clipboard API is missing, as on a plain-HTTP address), or "selected" (only
  // the element's text is selected, for the person to copy), or "failed".
  copy: async (text, elementId) => {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return "copied";
      } catch (e) {
        // Denied (no permission, no focus): fall through to the older ways.
      }
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    area.remove();
    if (copied) {
      return "copied-legacy";
    }
    return window.panel.select(elementId) ? "selected" : "failed";
  },
  // Selects the text of an element, so that Ctrl+C (or a long press) copies it.
  select: (elementId) => {
    const element = elementId && document.getElementById(elementId);
    if (!element) {
      return false;
    }
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return true;
  },
};

// Uploads of large files (a Slack export runs to gigabytes) show how far they are: a form marked
// data-upload-progress is sent with XMLHttpRequest, whose upload events a plain post does not give.
// The server answers as it does to the plain form, with a redirect; the page follows it. Without
// this script the form still works, without the bar.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload-progress") || !window.FormData) {
    return;
  }
  event.preventDefault();
  const box = form.querySelector("[data-upload-status]");
  const bar = box && box.querySelector("progress");
  const text = box && box.querySelector("span");
  const say = (message, percent) => {
    if (!box) {
      return;
    }
    box.hidden = false;
    if (percent === null) {
      bar.removeAttribute("value");
    } else {
      bar.value = percent;
    }
    text.textContent = message;
  };
  const mb = (bytes) => (bytes / 1048576).toFixed(1) + " MB";
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.onprogress = (e) => {
    if (e.lengthComputable && e.total > 0) {
      const percent = Math.floor((e.loaded * 100) / e.total);
      say(e.loaded >= e.total ? "Uploaded; checking the export…" : `Uploading: ${mb(e.loaded)} of ${mb(e.total)} (${percent} %)`, e.loaded >= e.total ? null : percent);
    }
  };
  request.onload = () => {
    if (request.status >= 200 && request.status < 400 && request.responseURL) {
      window.location.assign(request.responseURL);
    } else {
      say(`The upload was refused (HTTP ${request.status}). Reload the page and try again.`, 0);
    }
  };
  request.onerror = () => say("The upload stopped: the connection to the panel was lost. Nothing was kept; try again.", 0);
  form.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = true));
  say("Uploading…", null);
  request.send(new FormData(form));
}, true);

