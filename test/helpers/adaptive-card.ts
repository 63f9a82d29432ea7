import type * as AdaptiveCards from 'adaptivecards';

// The package's `lib` entry does not load in Node; its single-file build does, with the same API.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/** What the adaptivecards library says of a card: parse and validation messages (none for a good card). */
export function cardProblems(card: unknown): string[] {
  const context = new AC.SerializationContext();
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents)
    problems.push(`validate: ${event.message}`);
  return problems;
}
