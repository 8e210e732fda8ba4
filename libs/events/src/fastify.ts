export {
  eventsPlugin,
  type EventsPluginOptions,
  type RelayedOutbox,
  type ServiceEvents,
} from './fastify/events.plugin.ts';
