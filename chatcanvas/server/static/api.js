// The API as the page calls it: JSON in and out, errors carrying the server's own message, server-sent events.

export class ApiError extends Error {
  constructor(message, status, param) {
    super(message);
    this.status = status;
    this.param = param;
  }
}

export async function apiError(response) {
  const data = await response.json().catch(() => null);
  const error = data && data.error;
  const message = (error && error.message) || response.statusText || `HTTP ${response.status}`;
  return new ApiError(message, response.status, error && error.param);
}

export async function api(path, {method = "GET", json, body} = {}) {
  const options = {method, credentials: "same-origin", headers: {}};
  if (json !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  } else if (body !== undefined) {
    options.body = body;
  }
  const response = await fetch(path, options);
  if (!response.ok) throw await apiError(response);
  return response.status === 204 ? null : response.json();
}

export const post = (path, json) => api(path, {method: "POST", json});

// Calls onEvent(name, data) for each server-sent event of a streaming response, until it ends.
export async function readEvents(response, onEvent) {
  const reader = response.body.getReader(), decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, {stream: true}).replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const name = (block.match(/^event: ?(.*)$/m) || [])[1] || "message";
      const data = (block.match(/^data: ?(.*)$/m) || [])[1];
      if (data) onEvent(name, JSON.parse(data));
    }
  }
}

// Follows a job to its end: onProgress for each step, then the finished job (status, images, error).
export async function followJob(id, onProgress) {
  const response = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {credentials: "same-origin"});
  if (!response.ok) throw await apiError(response);
  let finished = null;
  await readEvents(response, (name, data) => {
    if (name === "progress") onProgress(data);
    if (name === "done") finished = data;
  });
  return finished || api(`/v1/jobs/${encodeURIComponent(id)}`);
}

export function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
