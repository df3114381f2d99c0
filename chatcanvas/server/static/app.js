// The studio page: chat with the agent, watch each picture being made, and work on the conversation's pictures.
// `studio` holds what the parts share (the conversation, its pictures, what is current, what is running).

import {api, apiError, followJob, post, readEvents, readFile} from "./api.js";
import {Brush} from "./brush.js";
import {ChatLog} from "./chatlog.js";
import {Conversations} from "./conversations.js";
import {$, h, showError} from "./dom.js";
import {Gallery} from "./gallery.js";
import {Subjects} from "./subjects.js";

const log = $("log"), form = $("form"), text = $("text"), file = $("file"), send = $("send");
const activity = $("activity"), progressText = $("progress-text"), progress = $("progress"), preview = $("preview");
const enc = encodeURIComponent;

const studio = {
  conversation: null,  // the id this page shows (also in the URL as ?c=)
  session: 0,  // bumped when another conversation opens: late answers for the old one are dropped
  images: new Map(),  // the conversation's pictures by id
  current: null,  // what "it" means in the next message
  picked: null,  // the picture the next message edits, when one was clicked
  busy: null,  // while something runs: the function that cancels it
  masks: new Map(),  // a repainted picture's id -> the mask it was made with (masks are not kept by the server)
  card: null,  // the model card: what the model can draw
};

const chat = new ChatLog(studio, log);
const addUser = (words, attached) => chat.user(words, attached);
const addBot = (words, images, kind) => chat.bot(words, images, kind);
const addError = (message) => chat.error(message);
const report = (message, where) => (where ? showError(where, message) : addError(message));
const markCurrent = (id) => chat.markCurrent(id);

// --- what is running ----------------------------------------------------------------------------------------
function setBusy(cancel) {
  studio.busy = cancel;
  send.disabled = Boolean(cancel);
  $("cancel").disabled = !cancel;
}

let previewJob = null;

function showActivity(words) {
  activity.hidden = false;
  progressText.textContent = words;
  progress.removeAttribute("value");
  preview.hidden = true;
  previewJob = null;
}

function showProgress(data) {
  const label = data.label || "drawing";
  progressText.textContent = data.status === "queued" || !data.total ? `${label}: waiting for the device`
    : `${label} ${data.step}/${data.total}`;
  if (data.total) {
    progress.max = data.total;
    progress.value = data.step;
  }
  if (data.job_id !== previewJob) preview.hidden = true;  // the picture so far belongs to one job
  if (data.preview) {
    preview.src = data.preview;
    preview.hidden = false;
    previewJob = data.job_id;
  }
}

function hideActivity() {
  activity.hidden = true;
  progressText.textContent = "";
  preview.hidden = true;
  preview.removeAttribute("src");
}

async function cancelRunning() {
  if (!studio.busy) return;
  progressText.textContent = "cancelling…";
  try { await studio.busy(); } catch (error) { addError(error.message); }
}

// --- chatting -----------------------------------------------------------------------------------------------
function newConversationId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return "c_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sendMessage(message) {
  if (!studio.conversation) {
    studio.conversation = newConversationId();
    setUrl(studio.conversation, false);
  }
  const conversation = studio.conversation, session = studio.session, picked = studio.picked;
  setBusy(() => post(`/v1/conversations/${enc(conversation)}/cancel`));
  const body = {message, stream: true, conversation_id: conversation, images: [], image_ids: picked ? [picked] : []};
  const shown = [];
  if (file.files.length) {
    const photo = file.files[0], data = await readFile(photo);
    body.images.push(data);
    shown.push({src: data, alt: `your photo ${photo.name}`});
  }
  if (picked && studio.images.has(picked)) shown.push(studio.images.get(picked));
  addUser(message || "(image)", shown);
  file.value = "";
  studio.pick(null);
  showActivity("thinking…");
  try {
    const response = await fetch("/v1/chat", {method: "POST", headers: {"Content-Type": "application/json"},
                                              credentials: "same-origin", body: JSON.stringify(body)});
    if (!response.ok) {
      const error = await apiError(response);
      if (session === studio.session) addError(error.message);
      return;
    }
    conversations.refresh();  // a new conversation is listed from its first message
    await readEvents(response, (name, data) => {
      if (session !== studio.session) return;
      if (name === "progress") showProgress(data);
      if (name === "reply") {
        studio.addImages(data.images);
        addBot(data.reply, data.images);
        markCurrent(data.current_image_id);
      }
    });
  } finally {
    if (session === studio.session) {
      setBusy(null);
      hideActivity();
    }
    conversations.refresh();
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (studio.busy) return;
  const message = text.value.trim();
  if (!message && !file.files.length) return;
  text.value = "";
  try {
    await sendMessage(message);
  } catch (error) {
    addError(error.message || String(error));
    setBusy(null);
    hideActivity();
  } finally {
    text.focus();
  }
});

// --- acting on one picture ----------------------------------------------------------------------------------
studio.ordinal = (id) => gallery.ordinal(id);

studio.addImages = (images) => {
  for (const image of images) studio.images.set(image.id, image);
  gallery.render();
};

studio.pick = (id) => {
  studio.picked = id && studio.picked !== id ? id : null;
  document.querySelectorAll(".bot img.picked").forEach((img) => img.classList.remove("picked"));
  if (studio.picked) {
    document.querySelectorAll(`.bot img[data-id="${CSS.escape(studio.picked)}"]`)
      .forEach((img) => img.classList.add("picked"));
  }
  updateChips();
  gallery.mark();
};

function updateChips() {
  const notes = [];
  if (file.files.length) notes.push(`Attached: ${file.files[0].name}.`);
  if (studio.picked) {
    notes.push(`Your next message edits the picked picture (#${studio.ordinal(studio.picked)}); Esc to unpick.`);
  }
  $("chips").textContent = notes.join(" ");
}

file.addEventListener("change", updateChips);

studio.select = async (id, where) => {
  try {
    await post(`/v1/conversations/${enc(studio.conversation)}/select`, {image_id: id});
    markCurrent(id);
    return true;
  } catch (error) {
    report(error.message, where);
    return false;
  }
};

// Start a job (`start` posts it), then follow it: progress, then its pictures in the log, the last one current.
studio.act = async (label, start, {where = null, started = null, done = null} = {}) => {
  if (studio.busy) {
    report("Something is being made; wait for it or cancel it (Esc).", where);
    return null;
  }
  let job = null;
  const session = studio.session;
  setBusy(async () => job && post(`/v1/jobs/${enc(job.id)}/cancel`));
  showActivity("drawing: waiting for the device");
  try {
    job = await start();
  } catch (error) {
    setBusy(null);
    hideActivity();
    report(error.message, where);
    return null;
  }
  if (started) started(job);
  try {
    const finished = await followJob(job.id, (data) => session === studio.session && showProgress(data));
    if (session !== studio.session) return null;
    if (finished.status === "succeeded") {
      studio.addImages(finished.images);
      if (done) done(finished.images);
      addBot(label, finished.images, "bot studio");
      await studio.select(finished.images[finished.images.length - 1].id);
      return finished.images;
    }
    if (finished.status === "cancelled") addBot("Cancelled.", [], "bot studio");
    else addError(finished.error || `It ${finished.status}.`);
  } catch (error) {
    if (session === studio.session) addError(error.message);
  } finally {
    if (session === studio.session) {
      setBusy(null);
      hideActivity();
    }
  }
  return null;
};

studio.reroll = (id, where) => {
  const mask = studio.masks.get(id);
  return studio.act(`#${studio.ordinal(id)} again, with a new seed`,
                    () => post(`/v1/images/${enc(id)}/reroll`, mask ? {mask} : {}), {where});
};

studio.vary = (id, where) => studio.act(`Variations of #${studio.ordinal(id)}`,
                                        () => post(`/v1/images/${enc(id)}/variations`, {n: 3}), {where});

studio.edit = (id) => {
  if (studio.picked !== id) studio.pick(id);
  text.focus();
};

studio.remove = async (id, where) => {
  try {
    await api(`/v1/images/${enc(id)}`, {method: "DELETE"});
  } catch (error) {
    report(error.message, where);
    return false;
  }
  studio.images.delete(id);
  const selector = `[data-id="${CSS.escape(id)}"]`;
  document.querySelectorAll(`.log figure${selector}`).forEach((figure) => figure.replaceWith(
    h("div", {class: "shot gone", text: "(deleted)"})));
  document.querySelectorAll(`.log img${selector}`).forEach((img) => img.replaceWith(
    h("span", {class: "gone", text: "(deleted)"})));
  if (studio.picked === id) studio.pick(null);
  if (studio.current === id) markCurrent(null);
  gallery.render();
  return true;
};

// --- conversations ------------------------------------------------------------------------------------------
function setUrl(id, push) {
  const url = id ? `/?c=${enc(id)}` : "/";
  if (location.pathname + location.search !== url) history[push ? "pushState" : "replaceState"](null, "", url);
}

function clearPage() {
  studio.session += 1;
  studio.images = new Map();
  studio.masks = new Map();
  studio.current = null;
  studio.pick(null);
  setBusy(null);
  hideActivity();
  log.replaceChildren($("welcome"));
  gallery.render();
}

studio.open = async (id, {push = true} = {}) => {
  clearPage();
  studio.conversation = id || null;
  setUrl(studio.conversation, push);
  conversations.mark();
  closeDrawers();
  if (!id) {
    $("welcome").hidden = false;
    text.focus();
    return;
  }
  const session = studio.session;
  let detail, images;
  try {
    [detail, images] = await Promise.all([
      api(`/v1/conversations/${enc(id)}`),
      api(`/v1/images?conversation_id=${enc(id)}&limit=200`)]);
  } catch (error) {
    if (session !== studio.session) return;
    studio.conversation = null;
    setUrl(null, false);
    $("welcome").hidden = false;
    addError(`Could not open that conversation: ${error.message}`);
    return;
  }
  if (session !== studio.session) return;
  studio.addImages(images.data);
  chat.replay(detail.messages, images.data);
  if (!detail.messages.length) $("welcome").hidden = false;
  markCurrent(detail.current_image_id);
};

window.addEventListener("popstate", () => studio.open(new URLSearchParams(location.search).get("c"), {push: false}));

// --- the page around the chat -------------------------------------------------------------------------------
function toggleDrawer(id, open) {
  const drawer = $(id), button = document.querySelector(`[aria-controls="${id}"]`);
  const show = open ?? !drawer.classList.contains("open");
  drawer.classList.toggle("open", show);
  if (button) button.setAttribute("aria-expanded", String(show));
}

function closeDrawers() {
  toggleDrawer("chats", false);
  toggleDrawer("side", false);
}

$("chats-toggle").addEventListener("click", () => { toggleDrawer("side", false); toggleDrawer("chats"); });
$("side-toggle").addEventListener("click", () => { toggleDrawer("chats", false); toggleDrawer("side"); });
$("new").addEventListener("click", () => studio.open(null));
$("cancel").addEventListener("click", cancelRunning);

for (const [tab, panel] of [["tab-pictures", "gallery"], ["tab-subjects", "subjects"]]) {
  $(tab).addEventListener("click", () => {
    for (const [other, otherPanel] of [["tab-pictures", "gallery"], ["tab-subjects", "subjects"]]) {
      $(other).setAttribute("aria-selected", String(other === tab));
      $(otherPanel).hidden = otherPanel !== panel;
    }
    if (panel === "subjects") subjects.refresh();
  });
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || document.querySelector("dialog[open]")) return;
  if (studio.busy) {
    event.preventDefault();
    cancelRunning();
  } else if (studio.picked) {
    studio.pick(null);
  } else {
    closeDrawers();
  }
});

function showCard(card) {
  studio.card = card;
  $("model").replaceChildren(h("span", {class: "label", text: "model: "}), card.image_model);
  $("model").title = card.description || card.image_model;
  $("welcome-range").textContent = card.range ? `${card.image_model} draws ${card.range.summary}.`
    : `${card.image_model}: ${card.description || "draws whatever you describe"}.`;
  $("examples").replaceChildren(...card.examples.map((example) => h("button", {
    type: "button", class: "example", text: example, onclick: () => {
      text.value = example;
      form.requestSubmit();
    }})));
}

const gallery = studio.gallery = new Gallery(studio);
const conversations = new Conversations(studio);
const subjects = new Subjects(studio);
studio.brush = new Brush(studio);
studio.info = (id) => gallery.info(id);
studio.paint = (id) => studio.brush.open(studio.images.get(id));

api("/v1/models/chatcanvas").then(showCard).catch((error) => addError(`Could not read the model: ${error.message}`));
conversations.refresh();
studio.open(new URLSearchParams(location.search).get("c"), {push: false});
text.focus();
// Send stays disabled in the HTML until here, so Enter pressed before the page is ready cannot submit the
// form natively (a reload that would lose the message).
send.disabled = false;
