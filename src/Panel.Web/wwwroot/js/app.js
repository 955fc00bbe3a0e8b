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
  copy: (text) => navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.resolve(),
};
