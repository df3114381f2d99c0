// Subjects: enroll someone or something from photos, watch it being learned, list and delete them. Drawing one is
// said in the chat ("draw Rex on a beach").

import {api} from "./api.js";
import {$, h, showError, twoStep} from "./dom.js";

const POLL_MS = 500;

export class Subjects {
  constructor(studio) {
    this.studio = studio;
    this.form = $("enroll");
    this.list = $("subject-list");
    this.error = $("enroll-error");
    this.watchers = new Map();  // subject id -> its poll while it is learned
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.enroll();
    });
    this.form.elements.images.addEventListener("change", () => this.captions());
    this.form.elements.method.addEventListener("change", () => this.captions());
  }

  // One caption field per photo, for a trained (LoRA) subject.
  captions() {
    const box = $("captions"), files = [...this.form.elements.images.files];
    const wanted = this.form.elements.method.value === "lora" && files.length > 0;
    box.hidden = !wanted;
    box.querySelectorAll("label").forEach((label) => label.remove());
    if (!wanted) return;
    for (const photo of files) {
      box.append(h("label", {}, `${photo.name} `, h("input", {name: "captions", maxlength: 200,
                                                             placeholder: "on a beach"})));
    }
  }

  async enroll() {
    const elements = this.form.elements, data = new FormData();
    data.append("name", elements.name.value.trim());
    if (elements.aliases.value.trim()) data.append("aliases", elements.aliases.value.trim());
    if (elements.method.value) data.append("method", elements.method.value);
    for (const photo of elements.images.files) data.append("images", photo);
    const captions = [...this.form.querySelectorAll("input[name=captions]")].map((input) => input.value.trim());
    if (captions.some(Boolean)) captions.forEach((caption) => data.append("captions", caption));
    const button = this.form.querySelector("button[type=submit]");
    button.disabled = true;
    showError(this.error, "");
    try {
      const subject = await api("/v1/subjects", {method: "POST", body: data});
      this.form.reset();
      this.captions();
      this.show(subject);
    } catch (error) {
      showError(this.error, error.message);
    } finally {
      button.disabled = false;
    }
  }

  async refresh() {
    try {
      const data = await api("/v1/subjects");
      this.list.replaceChildren();
      for (const subject of data.data) this.show(subject);
    } catch (error) {
      showError(this.error, error.message);
    }
  }

  show(subject) {
    const old = this.list.querySelector(`[data-id="${CSS.escape(subject.id)}"]`);
    const item = this.item(subject);
    if (old) old.replaceWith(item);
    else this.list.prepend(item);
    if (subject.status === "training") this.watch(subject.id);
  }

  item(subject) {
    const aliases = subject.aliases.length ? ` (${subject.aliases.join(", ")})` : "";
    const status = h("span", {class: "status", role: "status"});
    if (subject.status === "training") {
      status.textContent = learning(subject);
    } else if (subject.status === "failed") {
      status.textContent = `could not be learned: ${subject.error}`;
      status.classList.add("error-text");
    } else {
      status.textContent = `ready (${subject.method === "lora" ? "trained" : "from its photos"}, `
        + `${subject.references} photo${subject.references === 1 ? "" : "s"})`;
    }
    const item = h("li", {class: `subject ${subject.status}`, dataset: {id: subject.id}},
                   h("b", {class: "name", text: subject.name}), aliases, h("br"), status);
    if (subject.status === "training") {
      item.append(h("progress", {max: 1, value: subject.progress || 0}));
    }
    item.append(twoStep(h("button", {type: "button", class: "delete", text: "Delete",
                                     "aria-label": `Delete ${subject.name}`}), "Delete for good?", async () => {
      try {
        await this.unwatch(subject.id);
        await api(`/v1/subjects/${encodeURIComponent(subject.id)}`, {method: "DELETE"});
        (this.list.querySelector(`[data-id="${CSS.escape(subject.id)}"]`) || item).remove();
      } catch (error) {
        showError(this.error, error.message);
      }
    }));
    return item;
  }

  // Follow a subject being learned until it is ready or failed (or deleted).
  async watch(id) {
    if (this.watchers.has(id)) return;
    const watcher = {stop: false, pending: Promise.resolve()};
    const shown = () => this.list.querySelector(`[data-id="${CSS.escape(id)}"]`);
    this.watchers.set(id, watcher);
    try {
      while (!watcher.stop) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (watcher.stop || !shown()) return;
        watcher.pending = api(`/v1/subjects/${encodeURIComponent(id)}`).catch((error) => error);
        const subject = await watcher.pending;
        if (watcher.stop || !shown()) return;
        if (subject instanceof Error) {
          showError(this.error, subject.message);
          return;
        }
        if (subject.status === "training") {
          // in place: replacing the item would drop a click on its Delete button half done ("Delete for good?")
          shown().querySelector(".status").textContent = learning(subject);
          shown().querySelector("progress").value = subject.progress || 0;
          continue;
        }
        shown().replaceWith(this.item(subject));
        return;
      }
    } finally {
      this.watchers.delete(id);
    }
  }

  // Stop following a subject, once the request in flight (if any) is answered.
  async unwatch(id) {
    const watcher = this.watchers.get(id);
    if (!watcher) return;
    watcher.stop = true;
    await watcher.pending;
  }
}

// What a subject being learned shows: its step, or that it waits for the device.
function learning(subject) {
  return subject.total ? `learning ${subject.name} ${subject.step}/${subject.total}`
    : `learning ${subject.name}: waiting for the device`;
}
