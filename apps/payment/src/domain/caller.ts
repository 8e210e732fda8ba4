/** Who asks, as the domain needs to know: the token's subject, and whether it is an admin. */
export interface Caller {
  id: string;
  admin: boolean;
}
