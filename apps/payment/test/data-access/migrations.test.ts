import { compareMigrationsWithSchema } from '@shop/database';
import { testMigrationsMatchSchema } from '@shop/testing';
import { appDir } from '../helper.ts';

testMigrationsMatchSchema({ appDir, compare: compareMigrationsWithSchema, minimumObjects: 40 });
