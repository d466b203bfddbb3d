(async () => {
  const form = document.querySelector("form.challenge");
  const status = document.getElementById("challenge-status");
  const button = form.querySelector("button");
  if (!window.crypto || !crypto.subtle) return;
  button.disabled = true;
  status.textContent = form.dataset.working;
  const token = form.dataset.token;
  const bits = Number(form.dataset.difficulty);
  const encoder = new TextEncoder();
  const zeros = (bytes) => {
    let n = 0;
    for (const b of bytes) {
      if (b !== 0) return n + Math.clz32(b) - 24;
      n += 8;
    }
    return n;
  };
  for (let n = 0; ; n++) {
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + n));
    if (zeros(new Uint8Array(digest)) >= bits) {
      form.elements.solution.value = String(n);
      break;
    }
  }
  status.textContent = form.dataset.done;
  button.disabled = false;
  button.focus();
})();
