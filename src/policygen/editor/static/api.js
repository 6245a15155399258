// Calls to the editor's API: JSON in, JSON or a file out, each with the session's token.

const TOKEN = document.querySelector('meta[name="policygen-token"]').content;

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function send(path, body, method = "POST") {
  const response = await fetch(`/editor/api/${path}`, {
    method,
    headers: { "Content-Type": "application/json", "X-Policygen-Token": TOKEN },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  return response;
}

export async function call(path, body, method = "POST") {
  const response = await send(path, body, method);
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

// Fetch a file and hand it to the browser as a download.
export async function download(path, body) {
  const response = await send(path, body);
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    throw new ApiError(response.status, answer);
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = match ? match[1] : "download";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return link.download;
}
