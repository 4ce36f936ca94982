// Checks a certificate in the browser, trusting nothing the server computed: the latest signed
// checkpoint's Ed25519 signature (C2SP signed note), the entry's leaf hash, and its RFC 9162
// inclusion proof up to the signed root. WebCrypto does the hashing and the signature.
(function () {
  "use strict";
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha256 = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const getJSON = async (url) => {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return response.json();
  };

  async function openCheckpoint(note, vkey) {
    // <name>+<hex id>+<base64>: the base64 part may itself hold "+".
    const text0 = vkey.trim(), first = text0.indexOf("+"), second = text0.indexOf("+", first + 1);
    const name = text0.slice(0, first), hexId = text0.slice(first + 1, second), keyData = text0.slice(second + 1);
    const key = bytes(keyData);
    if (key[0] !== 1 || key.length !== 33) throw new Error("the verifier key is not an Ed25519 key");
    const split = note.indexOf("\n\n");
    if (split < 0) throw new Error("the checkpoint has no signature block");
    const text = new TextEncoder().encode(note.slice(0, split + 1));
    const publicKey = await crypto.subtle.importKey("raw", key.slice(1), { name: "Ed25519" }, false, ["verify"]);
    let signed = false;
    for (const line of note.slice(split + 2).split("\n")) {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match || match[1] !== name) continue;
      const blob = bytes(match[2]);
      const id = Array.from(blob.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
      if (id !== hexId) continue;
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, publicKey, blob.slice(4), text))) {
        throw new Error("the checkpoint's signature does not verify");
      }
      signed = true;
    }
    if (!signed) throw new Error("the checkpoint is not signed by " + name);
    const [origin, size, root] = note.slice(0, split).split("\n");
    if (origin !== name) throw new Error("the checkpoint's origin is not the key's name");
    return { size: Number(size), root: bytes(root), name: name };
  }

  // RFC 9162 §2.1.3.2: the root an inclusion proof leads to.
  async function rootFromProof(index, size, leaf, proof) {
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) throw new Error("the proof is too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat(new Uint8Array([1]), p, r));
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        r = await sha256(concat(new Uint8Array([1]), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("the proof is too short");
    return r;
  }

  async function verify(button) {
    const index = Number(button.dataset.index);
    const checkpoint = await getJSON("/api/registry/log/checkpoint/");
    const signed = await openCheckpoint(checkpoint.note, checkpoint.vkey);
    const entry = await getJSON("/api/registry/log/entries/" + index + "/");
    const data = bytes(entry.data);
    const record = JSON.parse(new TextDecoder().decode(data));
    if (record.number !== button.dataset.number || record.content_sha256 !== button.dataset.digest) {
      throw new Error("entry " + index + " does not record this certificate");
    }
    const proof = await getJSON("/api/registry/log/proof/inclusion/?index=" + index + "&size=" + signed.size);
    const leaf = await sha256(concat(new Uint8Array([0]), data));
    const root = await rootFromProof(index, signed.size, leaf, proof.hashes.map(bytes));
    if (!equal(root, signed.root)) throw new Error("entry " + index + " is not in the signed tree");
    return { index: index, size: signed.size, key: checkpoint.vkey.trim() };
  }

  const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (_, k) => values[k]);

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action=verify]");
    if (!button) return;
    const result = document.querySelector("[data-testid=verify-result]");
    result.className = "";
    result.textContent = button.dataset.textRunning;
    try {
      const outcome = await verify(button);
      result.className = "ok";
      result.dataset.outcome = "verified";
      result.textContent = "✓ " + fill(button.dataset.textOk, outcome);
    } catch (error) {
      result.className = "error";
      result.dataset.outcome = "failed";
      result.textContent = "✗ " + fill(button.dataset.textFail, { reason: error.message });
    }
  });
})();
