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
