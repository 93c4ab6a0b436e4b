// Collects small writes into large ones and waits for the stream to drain, so output keeps up and memory stays flat.
export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly limit = 1 << 16,
  ) {}

  write(text: string): Promise<void> | void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) return this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }

  async end(): Promise<void> {
    await this.flush();
  }
}
