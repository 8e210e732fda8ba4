/** A order as its owner sees it. */
export interface Order {
  id: string;
  ownerId: string;
  title: string;
  createdAt: Date;
}

export type NewOrder = Pick<Order, 'title'>;
