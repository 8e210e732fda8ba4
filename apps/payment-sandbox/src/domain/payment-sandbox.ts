/** A payment sandbox as its owner sees it. */
export interface PaymentSandbox {
  id: string;
  ownerId: string;
  title: string;
  createdAt: Date;
}

export type NewPaymentSandbox = Pick<PaymentSandbox, 'title'>;
