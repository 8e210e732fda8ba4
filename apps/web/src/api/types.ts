import type { paths } from './schema.d.ts';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type Product = Json<paths['/api/v1/products/{id}']['get']['responses'][200]>;
export type ProductPage = Json<paths['/api/v1/products']['get']['responses'][200]>;
export type Category = Json<paths['/api/v1/categories']['get']['responses'][200]>['items'][number];
export type Cart = Json<paths['/api/v1/cart']['get']['responses'][200]>;
export type Order = Json<paths['/api/v1/orders/{id}']['get']['responses'][200]>;
export type OrderStatus = Order['status'];
export type ShippingAddress = Order['shippingAddress'];
export type Session = Json<paths['/api/v1/auth/login']['post']['responses'][200]>;
export type User = Session['user'];
