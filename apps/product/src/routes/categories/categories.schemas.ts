import type { Assert, Equals } from '@shop/contracts';
import { Type, type Static } from 'typebox';
import type { Category } from '../../domain/product.ts';

export const CategoryListView = Type.Object({
  items: Type.Array(
    Type.Object({
      slug: Type.String({ examples: ['running-shoes'] }),
      name: Type.String({ examples: ['Running shoes'] }),
      productCount: Type.Integer({ description: 'Products on show in the category' }),
    }),
  ),
});

// Drift between the domain type and the schema that renders it fails the typecheck.
export type _CategoryViewMatches = Assert<Equals<Category, Static<typeof CategoryListView>['items'][number]>>;
