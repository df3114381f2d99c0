// The chat log: the user's messages (with the pictures attached to them), the replies with their pictures and a
// row of actions under each, the current picture marked, and a stored conversation replayed.

import {$, describe, h} from "./dom.js";

export class ChatLog {
  constructor(studio, element) {
    this.studio = studio;
    this.element = element;
  }

  bubble(kind, words) {
    const div = h("div", {class: `msg ${kind}`}, h("div", {class: "text", text: words}));
    this.element.append(div);
    this.element.scrollTop = this.element.scrollHeight;
    $("welcome").hidden = true;
    return div;
  }

  user(words, attached) {
    const div = this.bubble("user", words);
    if (attached.length) {
      div.append(h("div", {class: "attachments"}, attached.map((picture) => h("img", {
        src: picture.src || picture.url, alt: picture.alt || describe(picture),
        dataset: picture.id ? {id: picture.id} : undefined}))));
    }
    return div;
  }

  bot(words, images, kind = "bot") {
    const div = this.bubble(kind, words);
    if (images.length) div.append(h("div", {class: "shots"}, images.map((image) => this.shot(image))));
    this.element.scrollTop = this.element.scrollHeight;
    return div;
  }

  error(message) {
    return this.bubble("bot error", message);
  }

  shot(image) {
    const studio = this.studio;
    const img = h("img", {src: image.url, alt: describe(image), width: image.width, height: image.height,
                          dataset: {id: image.id}, title: "Click to edit this picture next"});
    img.addEventListener("click", () => studio.pick(image.id));
    const tool = (label, title, act) => h("button", {type: "button", text: label, title, onclick: act});
    return h("figure", {class: "shot", dataset: {id: image.id}}, img, h("figcaption", {class: "tools"},
      tool("Info", "Its prompt, seed and lineage; download or delete it", () => studio.info(image.id)),
      tool("Re-roll", "The same recipe with a new seed", () => studio.reroll(image.id)),
      tool("Vary", "Three pictures like this one", () => studio.vary(image.id)),
      tool("Paint", "Paint over an area to change just that", () => studio.paint(image.id))));
  }

  // What "it" is now: the picture the next change applies to (after "undo" or "the first one" too).
  markCurrent(id) {
    this.studio.current = id || null;
    this.element.querySelectorAll(".bot img.current").forEach((img) => {
      img.classList.remove("current");
      img.title = "Click to edit this picture next";
    });
    if (id) {
      const shown = this.element.querySelectorAll(`.bot img[data-id="${CSS.escape(id)}"]`);
      const img = shown[shown.length - 1];
      if (img) {
        img.classList.add("current");
        img.title = "The current picture: changes apply to it";
      }
    }
    this.studio.gallery.mark();
  }

  // A stored conversation's messages as bubbles, with the pictures the studio made (re-rolls, variations,
  // repaints: no message names them) between them where their times put them.
  replay(messages, images) {
    const byId = new Map(images.map((image) => [image.id, image]));
    const pictures = (ids) => (ids || []).map((id) => byId.get(id)).filter(Boolean);
    const said = new Set(messages.flatMap((m) => m.image_ids || []));
    const extra = images.filter((image) => !said.has(image.id) && image.operation !== "upload")
      .sort((a, b) => a.created - b.created);
    const turns = [];
    for (const message of messages) {
      if (message.role === "user" || !turns.length) turns.push({user: null, rest: []});
      const turn = turns[turns.length - 1];
      if (message.role === "user") turn.user = message;
      else turn.rest.push(message);
    }
    // when each turn began, at the latest: its first picture (or the next turn's), so what came before goes before
    const starts = turns.map((turn) => Math.min(...turn.rest.filter((m) => m.role === "tool")
      .flatMap((m) => pictures(m.image_ids)).map((image) => image.created)));
    for (let i = starts.length - 2; i >= 0; i--) starts[i] = Math.min(starts[i], starts[i + 1]);
    const flush = (before) => {
      while (extra.length && extra[0].created < before) {
        const first = extra.shift(), group = [first];
        while (extra.length && extra[0].created < before && extra[0].parent_id === first.parent_id
               && extra[0].prompt === first.prompt) group.push(extra.shift());
        this.bot(this.label(group), group, "bot studio");
      }
    };
    turns.forEach((turn, index) => {
      flush(starts[index]);
      if (turn.user) this.user(turn.user.content, pictures(turn.user.image_ids));
      let pending = [];
      for (const message of turn.rest) {
        if (message.role === "tool") pending.push(...pictures(message.image_ids));
        if (message.role === "assistant" && !(message.tool_calls || []).length) {
          this.bot(message.content, pending);
          pending = [];
        }
      }
    });
    flush(Infinity);
  }

  label(group) {
    const first = group[0], parent = first.parent_id && this.studio.images.get(first.parent_id);
    if (parent && group.length > 1) return `Variations of #${this.studio.ordinal(parent.id)}`;
    if (parent) return `An edit of #${this.studio.ordinal(parent.id)}: ${describe(first)}`;
    return `${describe(first)}, drawn again with a new seed`;
  }
}
