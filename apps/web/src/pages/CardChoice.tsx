import { TEST_CARDS } from '../lib/test-cards.ts';

/** The sandbox's test cards, listed plainly: this shop never takes a real card number. */
export function CardChoice({ value, onChange }: { value: string; onChange: (token: string) => void }) {
  return (
    <fieldset className="cards">
      <legend>Payment (sandbox test cards: no real money moves)</legend>
      {TEST_CARDS.map((card) => (
        <label key={card.token} className="card-option">
          <input
            type="radio"
            name="card"
            value={card.token}
            checked={value === card.token}
            onChange={() => onChange(card.token)}
          />
          <span>
            <strong>{card.label}</strong> <code>{card.token}</code>: {card.outcome}
          </span>
        </label>
      ))}
    </fieldset>
  );
}
