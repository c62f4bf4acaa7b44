import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Cards from './Cards.svelte';

/** A fetch that answers each call with the next canned response and records the requests. */
function server(...answers: [number, unknown][]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const [status, body] = answers.shift() ?? [200, { batches: [] }];
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetch);
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Cards', () => {
  it('names each refused row and says nothing was stored', async () => {
    const calls = server(
      [200, { batches: [] }],
      [
        422,
        {
          code: 'import_rejected',
          message: '2件の問題があるため、何も登録していません。',
          problems: [
            { row: 2, code: 'wrong_length', message: '申請書IDは23桁です（4桁でした）。' },
            { row: 3, code: 'duplicate', message: '1行目と同じ申請書IDです。' },
          ],
        },
      ],
    );
    render(Cards);
    await fireEvent.input(screen.getByLabelText('便名'), { target: { value: '第1便' } });
    await fireEvent.input(screen.getByLabelText(/申請書ID（1行に1件/), {
      target: { value: '12345678901234567890123\n1234\n12345678901234567890123' },
    });
    await fireEvent.click(screen.getByRole('button', { name: '照合して登録' }));
    expect(await screen.findByText('取り込めませんでした。何も登録していません。')).toBeTruthy();
    expect(screen.getByText('2行: 申請書IDは23桁です（4桁でした）。')).toBeTruthy();
    expect(screen.getByText('3行: 1行目と同じ申請書IDです。')).toBeTruthy();
    const sent = JSON.parse(String(calls[1]?.init?.body)) as { applicationIds: string[] };
    expect(sent.applicationIds).toEqual(['12345678901234567890123', '1234', '12345678901234567890123']);
  });

  it('shows the match and the unmatched cards of a stored batch', async () => {
    server(
      [200, { batches: [] }],
      [
        201,
        {
          batchId: 'b1', label: '第1便', deliveredOn: '2026-11-26', deadline: '2026-12-10', mailedOn: null,
          overdue: false, cards: 3, matched: 2, toMail: 1, unmatched: ['99999999999999999999999'],
        },
      ],
      [200, { batches: [] }],
    );
    render(Cards);
    await fireEvent.input(screen.getByLabelText('便名'), { target: { value: '第1便' } });
    await fireEvent.input(screen.getByLabelText(/申請書ID（1行に1件/), { target: { value: '1\n2\n3' } });
    await fireEvent.click(screen.getByRole('button', { name: '照合して登録' }));
    expect(await screen.findByText(/照合 2 \/ 3/)).toBeTruthy();
  });
});
