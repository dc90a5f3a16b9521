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
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly notifications: Notification[],
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const port = await freePort();
    const notifications: Notification[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<Notification, 'receivedAt'>;
        notifications.push({ ...body, receivedAt: Date.now() });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return new WebhookReceiver(server, `http://127.0.0.1:${port}/alerts`, notifications);
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
