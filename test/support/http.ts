/** What every fetch-based helper in test/support answers with. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON; `{ raw: text }` for a body that is not JSON; undefined for an empty body. */
  body: T;
  text: string;
}

export async function readResponse<T = any>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: parseBody(text) as T, text };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}
