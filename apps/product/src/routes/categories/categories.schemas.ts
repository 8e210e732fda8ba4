import { Type } from 'typebox';

export const CategoryListView = Type.Object({
  items: Type.Array(
    Type.Object({
      slug: Type.String({ examples: ['running-shoes'] }),
      name: Type.String({ examples: ['Running shoes'] }),
      productCount: Type.Integer({ description: 'Products on show in the category' }),
    }),
  ),
});
