import type { Order, NewOrder } from './order.ts';

/** What the use cases need from the outside world; data-access/ implements it. */
export interface OrderRepository {
  create(order: Order): Promise<Order>;
  /** The order if it exists and belongs to `ownerId`, else null: another customer's is as absent as none. */
  findOwned(id: string, ownerId: string): Promise<Order | null>;
}

export interface OrderDeps {
  orders: OrderRepository;
  newId(): string;
  now(): Date;
}

export type { NewOrder };
