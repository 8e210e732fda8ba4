import { testMigrationsMatchSchema } from '@shop/database/testing';
import { appDir } from '../helper.ts';

testMigrationsMatchSchema(appDir, { minimumObjects: 41 });
