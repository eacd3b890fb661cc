/**
 * Every event a webhook can subscribe to. Communications emits them: `communication.inbox` to the recipient
 * agency (a new item in its inbox); `received`, `acknowledged` and `rejected` to the sender.
 */
export const WEBHOOK_EVENT_TYPES = ['communication.inbox', 'communication.received', 'communication.acknowledged', 'communication.rejected'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A subscription names event types, or `*` alone for every type, including types added later. */
export const ALL_EVENTS = '*';
export type WebhookSubscription = WebhookEventType | typeof ALL_EVENTS;

export const isWebhookEventType = (value: string): value is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
