import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { BreachedPasswords } from '../domain/ports.ts';

// Both the lists and the candidates are compared in this form: the shipped list is lower case, and
// "Basketball" is as guessable as "basketball".
const comparable = (password: string) => password.normalize('NFKC').toLowerCase();

/**
 * The ~49,000 most common passwords of Mark Burnett's 10 million leaked passwords (xato.net), as shipped
 * by zxcvbn-ts, plus each line of `extraFile` (for a bigger list), held in one Set.
 */
export async function loadBreachedPasswords(extraFile?: string): Promise<BreachedPasswords> {
  const known = new Set(dictionary['passwords-common'].map(comparable));
  if (extraFile) {
    try {
      const lines = createInterface({ input: createReadStream(extraFile), crlfDelay: Infinity });
      for await (const line of lines) if (line.length > 0) known.add(comparable(line));
    } catch (error) {
      throw new Error(
        `BREACHED_PASSWORDS_FILE=${extraFile} cannot be read (${(error as Error).message}); ` +
          'point it at a readable file with one password per line, or unset it.',
        { cause: error },
      );
    }
  }
  return { includes: (password) => known.has(comparable(password)) };
}
