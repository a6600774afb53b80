/**
 * A request that cannot be carried out as asked, with the status that says why. Domain code
 * throws it; the app's error handler answers with its message (JSON on /api, text on pages),
 * so routes need no try/catch of their own unless they re-render a form.
 */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message);
  }
}
