/**
 * A webhook receiver inside the test: Alertmanager posts its notifications
 * here, and the test waits for the one it expects.
 */
import { createServer, type Server } from 'node:http';
import { freePort } from '../../exporter/src/freePort.js';

/** One alert of an Alertmanager webhook notification (version 4). */
export interface NotifiedAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

export interface Notification {
  receivedAt: number;
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: NotifiedAlert[];
}

export class WebhookReceiver {
  readonly notifications: Notification[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const port = await freePort();
    let receiver: WebhookReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<Notification, 'receivedAt'>;
        receiver?.notifications.push({ ...body, receivedAt: Date.now() });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/alerts`);
    return receiver;
  }

  /** Alerts received so far with this status whose labels include `labels`. */
  received(status: 'firing' | 'resolved', labels: Record<string, string>): (NotifiedAlert & { receivedAt: number })[] {
    return this.notifications.flatMap((n) =>
      n.alerts.filter((a) => a.status === status && Object.entries(labels).every(([k, v]) => a.labels[k] === v)).map((a) => ({ ...a, receivedAt: n.receivedAt })),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
