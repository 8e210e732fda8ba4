/** A payment as its owner sees it. */
export interface Payment {
  id: string;
  ownerId: string;
  title: string;
  createdAt: Date;
}

export type NewPayment = Pick<Payment, 'title'>;
