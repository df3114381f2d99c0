// The conversation's pictures as a tree (each under the picture it was made from), and one picture's info panel
// with what can be done to it: make it current, edit it, paint an area, re-roll, vary, download, delete.

import {api} from "./api.js";
import {$, describe, h, showError, twoStep} from "./dom.js";

const OPERATIONS = {generate: "drawn", edit: "edited", personalize: "drawn with a subject", upload: "uploaded"};

export class Gallery {
  constructor(studio) {
    this.studio = studio;
    this.root = $("gallery");
    this.error = h("p", {class: "error-text", role: "alert", hidden: true});
    this.order = [];
  }

  // Oldest first, as the agent counts them ("the second picture").
  ordinal(id) {
    return this.order.indexOf(id) + 1;
  }

  render() {
    const images = [...this.studio.images.values()].sort((a, b) => a.created - b.created);
    this.order = images.map((image) => image.id);
    const children = new Map(), roots = [];
    for (const image of images) {
      if (image.parent_id && this.studio.images.has(image.parent_id)) {
        if (!children.has(image.parent_id)) children.set(image.parent_id, []);
        children.get(image.parent_id).push(image);
      } else {
        roots.push(image);
      }
    }
    const node = (image) => {
      const n = this.ordinal(image.id);
      const thumb = h("button", {type: "button", class: "thumb", title: `Make #${n} the current picture`,
                                 onclick: () => this.studio.select(image.id, this.error)},
                      h("img", {src: image.url, alt: describe(image), dataset: {id: image.id}}));
      const about = h("div", {class: "about"},
        h("span", {class: "caption"}, h("b", {text: `#${n}`}), ` ${OPERATIONS[image.operation] || image.operation}`),
        h("span", {class: "prompt", text: describe(image)}));
      if (image.parent_id) about.append(this.parentLink(image.parent_id));
      about.append(h("button", {type: "button", class: "more", text: "Info", "aria-label": `About #${n}`,
                                onclick: () => this.info(image.id)}));
      const item = h("li", {class: "node", id: `pic-${image.id}`, dataset: {id: image.id}},
                     h("div", {class: "row"}, thumb, about));
      const kids = children.get(image.id);
      if (kids) item.append(h("ul", {class: "children"}, kids.map(node)));
      return item;
    };
    this.root.replaceChildren(this.error);
    if (!images.length) {
      this.root.append(h("p", {class: "empty", text: "The conversation's pictures show here, each under the one it "
                                                     + "was made from."}));
    } else {
      this.root.append(h("ul", {class: "tree"}, roots.map(node)));
    }
    this.mark();
  }

  parentLink(parentId) {
    if (!this.studio.images.has(parentId)) {
      return h("span", {class: "parent-link gone", dataset: {parent: parentId},
                        text: "from a picture not in this conversation"});
    }
    return h("a", {class: "parent-link", href: `#pic-${parentId}`, dataset: {parent: parentId},
                   text: `from #${this.ordinal(parentId)}`, onclick: (event) => {
                     event.preventDefault();
                     this.flash(parentId);
                   }});
  }

  flash(id) {
    const row = document.querySelector(`#gallery .node[data-id="${CSS.escape(id)}"] > .row`);
    if (!row) return;
    row.scrollIntoView({block: "nearest"});
    row.classList.remove("flash");
    void row.offsetWidth;  // restart the animation
    row.classList.add("flash");
  }

  mark() {
    for (const node of this.root.querySelectorAll(".node")) {
      const id = node.dataset.id;
      node.classList.toggle("current", id === this.studio.current);
      node.classList.toggle("picked", id === this.studio.picked);
      node.querySelector(".thumb").setAttribute("aria-pressed", String(id === this.studio.current));
    }
  }

  // --- one picture --------------------------------------------------------------------------------------------
  async info(id) {
    const studio = this.studio, image = studio.images.get(id), dialog = $("info");
    if (!image) return;
    const n = this.ordinal(id), error = h("p", {class: "error-text", role: "alert", hidden: true});
    const facts = h("dl", {class: "facts"});
    const fact = (name, value) => {
      if (value === null || value === undefined || value === "") return;
      facts.append(h("dt", {text: name}), h("dd", {}, value));
    };
    const close = () => dialog.close();
    const act = (label, title, run) => h("button", {type: "button", text: label, title, onclick: run});
    const remove = twoStep(h("button", {type: "button", class: "danger", text: "Delete"}), "Delete for good?",
                           async () => { if (await studio.remove(id, error)) close(); });
    dialog.replaceChildren(h("form", {method: "dialog", class: "panel"},
      h("h2", {id: "info-title", text: `#${n}: ${OPERATIONS[image.operation] || image.operation}`}),
      h("img", {class: "big", src: image.url, alt: describe(image), width: image.width, height: image.height}),
      facts, error,
      h("div", {class: "actions"},
        act("Make current", "What the next change applies to", async () => {
          if (await studio.select(id, error)) close();
        }),
        act("Edit with words", "Pick it: your next message changes it", () => { close(); studio.edit(id); }),
        act("Paint an area", "Paint over what to change", () => { close(); studio.paint(id); }),
        act("Re-roll", "The same recipe with a new seed", () => { close(); studio.reroll(id); }),
        act("Variations", "Three pictures like this one", () => { close(); studio.vary(id); }),
        h("a", {class: "button", href: image.url, download: `chatcanvas-${id}.png`,
                title: "The PNG, with its parameters inside", text: "Download PNG"}),
        remove,
        h("button", {type: "submit", class: "close", text: "Close"}))));
    fact("prompt", describe(image));
    fact("seed", image.seed);
    fact("model", image.model);
    if (!dialog.open) dialog.showModal();
    let meta;
    try {
      meta = await api(`/v1/images/${encodeURIComponent(id)}/meta`);
    } catch (err) {
      showError(error, err.message);
      return;
    }
    facts.replaceChildren();
    fact("prompt", describe(meta));
    fact("negative prompt", meta.negative_prompt);
    fact("operation", [meta.operation, meta.edit_method].filter(Boolean).join(", "));
    fact("made from", meta.parent_id ? this.parentLink(meta.parent_id) : null);
    fact("seed", meta.seed);
    fact("model", meta.model);
    fact("steps", meta.steps);
    fact("guidance", meta.guidance_scale);
    fact("scheduler", meta.scheduler || (meta.steps ? "the model's own" : null));
    fact("strength", meta.strength);
    fact("size", `${meta.width}x${meta.height}`);
    fact("subjects", meta.subject_ids.length ? `${meta.subject_ids.length} (${meta.subject_method})` : null);
    fact("made", new Date(meta.created * 1000).toLocaleString());
    facts.querySelectorAll("a.parent-link").forEach((link) => link.addEventListener("click", close));
  }
}
