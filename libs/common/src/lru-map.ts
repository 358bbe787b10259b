interface Node<K, V> {
  readonly key: K;
  value: V;
  /** Toward the least recently used end. */
  older: Node<K, V> | undefined;
  /** Toward the most recently used end. */
  newer: Node<K, V> | undefined;
}

/**
 * A map bounded to `capacity` entries that drops the least recently used first. `get` and `set` of a present
 * key only relink two list nodes: no allocation and no change to the underlying Map. (The usual
 * "delete and re-insert into a Map" costs V8 a new hash table every few hits, and once the Map is in the old
 * generation those tables are allocated there: old-space garbage on every hit of a hot cache.)
 */
export class LruMap<K, V> {
  private readonly nodes = new Map<K, Node<K, V>>();
  private oldest: Node<K, V> | undefined;
  private newest: Node<K, V> | undefined;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.nodes.size;
  }

  has(key: K): boolean {
    return this.nodes.has(key);
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const node = this.nodes.get(key);
    if (node === undefined) return undefined;
    this.touch(node);
    return node.value;
  }

  /** The value, recency unchanged. */
  peek(key: K): V | undefined {
    return this.nodes.get(key)?.value;
  }

  /** Stores `value` as most recently used; past `capacity` the least recently used entries go. */
  set(key: K, value: V): void {
    const node = this.nodes.get(key);
    if (node !== undefined) {
      node.value = value;
      this.touch(node);
      return;
    }
    if (this.capacity <= 0) return;
    while (this.nodes.size >= this.capacity && this.oldest !== undefined) this.delete(this.oldest.key);
    const added: Node<K, V> = { key, value, older: this.newest, newer: undefined };
    if (this.newest === undefined) this.oldest = added;
    else this.newest.newer = added;
    this.newest = added;
    this.nodes.set(key, added);
  }

  delete(key: K): boolean {
    const node = this.nodes.get(key);
    if (node === undefined) return false;
    this.unlink(node);
    this.nodes.delete(key);
    return true;
  }

  clear(): void {
    this.nodes.clear();
    this.oldest = this.newest = undefined;
  }

  /** Values from the least to the most recently used. */
  *values(): IterableIterator<V> {
    for (let n = this.oldest; n !== undefined; n = n.newer) yield n.value;
  }

  /** Keys from the least to the most recently used. */
  *keys(): IterableIterator<K> {
    for (let n = this.oldest; n !== undefined; n = n.newer) yield n.key;
  }

  private touch(node: Node<K, V>): void {
    if (node === this.newest) return;
    this.unlink(node);
    node.older = this.newest;
    node.newer = undefined;
    if (this.newest === undefined) this.oldest = node;
    else this.newest.newer = node;
    this.newest = node;
  }

  private unlink(node: Node<K, V>): void {
    if (node.older === undefined) this.oldest = node.newer;
    else node.older.newer = node.newer;
    if (node.newer === undefined) this.newest = node.older;
    else node.newer.older = node.older;
    node.older = node.newer = undefined;
  }
}
