// The user's conversations, newest first: open one, start one, delete one.

import {api} from "./api.js";
import {$, h, showError, twoStep} from "./dom.js";

export class Conversations {
  constructor(studio) {
    this.studio = studio;
    this.list = $("chat-list");
    this.error = $("chats-error");
  }

  async refresh() {
    let data;
    try {
      data = await api("/v1/conversations");
    } catch (error) {
      showError(this.error, error.message);
      return;
    }
    showError(this.error, "");
    this.list.replaceChildren(...data.data.map((conversation) => this.item(conversation)));
    if (!data.data.length) this.list.append(h("li", {class: "empty", text: "No conversations yet."}));
    this.mark();
  }

  item(conversation) {
    const studio = this.studio;
    const when = new Date(conversation.updated * 1000).toLocaleDateString();
    const open = h("button", {type: "button", class: "open", title: conversation.title,
                              onclick: () => studio.open(conversation.id)},
                   h("span", {class: "title", text: conversation.title}), h("span", {class: "when", text: when}));
    const remove = twoStep(h("button", {type: "button", class: "delete", title: "Delete this conversation",
                                        "aria-label": `Delete ${conversation.title}`, text: "×"}), "Delete?",
                           async () => {
                             try {
                               await api(`/v1/conversations/${encodeURIComponent(conversation.id)}`,
                                         {method: "DELETE"});
                             } catch (error) {
                               showError(this.error, error.message);
                               return;
                             }
                             if (studio.conversation === conversation.id) studio.open(null);
                             this.refresh();
                           });
    return h("li", {class: "chat", dataset: {id: conversation.id}}, open, remove);
  }

  mark() {
    for (const item of this.list.querySelectorAll(".chat")) {
      const here = item.dataset.id === this.studio.conversation;
      item.classList.toggle("active", here);
      item.querySelector(".open").toggleAttribute("aria-current", here);
    }
  }
}
