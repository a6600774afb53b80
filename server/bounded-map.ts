/**
 * A Map for memos of what requests keep repeating (a parsed Cookie header, a session, a page's
 * HTML): when full, it starts over rather than growing, so callers that could be handed ever
 * new keys cannot make it large.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
