// h("button", {class: "x", onclick: f, text: "Go"}, child...): an element, its text always set as text (never HTML).

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

// What a picture is, in words: its alt text and its title.
export function describe(image) {
  if (!image) return "a picture";
  if (image.prompt) return image.prompt;
  return image.operation === "upload" ? "an uploaded photo" : "a picture";
}

// A button that asks once more before it acts ("Delete" -> "Delete for good?").
export function twoStep(button, question, act) {
  const label = button.textContent;
  let timer = null;
  const disarm = () => {
    clearTimeout(timer);
    timer = null;
    button.textContent = label;
    button.classList.remove("armed");
  };
  button.addEventListener("click", async (event) => {
    event.stopPropagation();
    if (timer === null) {
      button.textContent = question;
      button.classList.add("armed");
      timer = setTimeout(disarm, 4000);
      return;
    }
    disarm();
    await act();
  });
  return button;
}

export function showError(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}
