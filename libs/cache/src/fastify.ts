export { redisPlugin, type RedisPluginOptions } from './fastify/redis.plugin.ts';
