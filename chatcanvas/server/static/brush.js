// Paint over a picture to mark the area to change (white in the mask = repaint), then say the change: an
// inpainting edit of just that area. Brush and eraser, a size, mouse, pen and touch alike (pointer events).

import {post} from "./api.js";
import {$, describe, h, showError} from "./dom.js";

export class Brush {
  constructor(studio) {
    this.studio = studio;
    this.dialog = $("brush");
  }

  open(image) {
    if (!image) return;
    const studio = this.studio, dialog = this.dialog;
    const canvas = h("canvas", {class: "paint", width: image.width, height: image.height,
                                "aria-label": "Paint over the area to change"});
    const context = canvas.getContext("2d");
    const biggest = Math.max(4, Math.round(Math.max(image.width, image.height) / 3));
    const size = h("input", {type: "range", name: "size", min: 1, max: biggest,
                             value: Math.max(2, Math.round(Math.max(image.width, image.height) / 10))});
    const eraser = h("input", {type: "radio", name: "tool", value: "eraser"});
    const change = h("input", {name: "change", autocomplete: "off", placeholder: "a yellow star, or: make it green",
                               "aria-label": "What the painted area should become"});
    const error = h("p", {class: "error-text", role: "alert", hidden: true});
    let last = null;

    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return {x: (event.clientX - box.left) * canvas.width / box.width,
              y: (event.clientY - box.top) * canvas.height / box.height};
    };
    const stroke = (from, to) => {
      context.globalCompositeOperation = eraser.checked ? "destination-out" : "source-over";
      context.strokeStyle = context.fillStyle = "rgb(255, 40, 40)";
      context.lineWidth = Number(size.value);
      context.lineCap = context.lineJoin = "round";
      context.beginPath();
      context.arc(to.x, to.y, Number(size.value) / 2, 0, 2 * Math.PI);
      context.fill();
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    };
    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      try {
        canvas.setPointerCapture(event.pointerId);  // a stroke that leaves the canvas still ends
      } catch {
        // a pointer the browser no longer tracks: paint without capturing it
      }
      last = point(event);
      stroke(last, last);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (last === null) return;
      const next = point(event);
      stroke(last, next);
      last = next;
    });
    for (const name of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(name, () => { last = null; });
    }

    const n = studio.ordinal(image.id);
    const panel = h("form", {class: "panel"},
      h("h2", {id: "brush-title", text: `Paint over what to change in #${n}`}),
      h("div", {class: "stage", style: `aspect-ratio: ${image.width} / ${image.height}`},
        h("img", {src: image.url, alt: describe(image)}), canvas),
      h("div", {class: "brush-tools"},
        h("label", {}, h("input", {type: "radio", name: "tool", value: "brush", checked: true}), " Brush"),
        h("label", {}, eraser, " Eraser"),
        h("label", {}, "Size ", size),
        h("button", {type: "button", text: "Clear", onclick: () => context.clearRect(0, 0, canvas.width,
                                                                                     canvas.height)})),
      h("label", {class: "change"}, "What should it become? ", change),
      error,
      h("div", {class: "actions"},
        h("button", {type: "submit", text: "Repaint"}),
        h("button", {type: "button", class: "close", text: "Close", onclick: () => dialog.close()})));
    panel.addEventListener("submit", async (event) => {
      event.preventDefault();
      const words = change.value.trim(), mask = this.mask(canvas);
      if (!mask) return showError(error, "Paint over the area to change first.");
      if (!words) return showError(error, "Say what the painted area should become.");
      showError(error, "");
      await studio.act(`Repainted #${n}: ${words}`,
                       () => post(`/v1/images/${encodeURIComponent(image.id)}/repaint`, {change: words, mask}),
                       {where: error, started: () => dialog.close(),
                        done: (images) => images.forEach((made) => studio.masks.set(made.id, mask))});
    });
    dialog.replaceChildren(panel);
    dialog.showModal();
    change.focus();
  }

  // The painted area as a PNG mask of the picture's size; null when nothing is painted. A canvas PNG always has an
  // alpha channel, and the API reads a mask with one as OpenAI's are read: transparent = repaint, opaque = keep.
  mask(canvas) {
    const {width, height} = canvas;
    const painted = canvas.getContext("2d").getImageData(0, 0, width, height).data;
    const mask = new ImageData(width, height);
    let any = false;
    for (let i = 0; i < painted.length; i += 4) {
      const on = painted[i + 3] >= 128;
      mask.data[i] = mask.data[i + 1] = mask.data[i + 2] = on ? 255 : 0;
      mask.data[i + 3] = on ? 0 : 255;
      any = any || on;
    }
    if (!any) return null;
    const out = h("canvas", {width, height});
    out.getContext("2d").putImageData(mask, 0, 0);
    return out.toDataURL("image/png");
  }
}
