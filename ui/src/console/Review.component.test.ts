import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Review from './Review.svelte';

const item = (n: number, issues: string[]) => ({
  recordId: `r${n}`,
  version: 1,
  tripId: 't1',
  siteName: '太田市役所前テント',
  date: '2026-11-26',
  mode: 'uketsuke',
  applicationId: `8${String(n).padStart(22, '0')}`,
  delivery: 'mail',
  stage: 'received',
  issues,
  photoChecks: [],
  retakes: 0,
  documentsMissing: '',
  createdBy: 's1',
  finalizedAt: '2026-11-26T01:00:00.000Z',
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Review', () => {
  it('asks for the records of a trip, names the issues and opens one with its history', async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        urls.push(url);
        const body = url.includes('/records/')
          ? {
              item: item(5, ['documents_missing']),
              versions: [
                { version: 1, baseVersion: null, amendReason: null, createdBy: 's1', finalizedAt: '2026-11-26T01:00:00.000Z', changedFields: [] },
                { version: 2, baseVersion: 1, amendReason: '住所の訂正', createdBy: 's2', finalizedAt: '2026-11-26T02:00:00.000Z', changedFields: ['address'] },
              ],
              payload: { name: '見本 次郎', identity: { satisfied: false, missing: 'B書類があと1点', documents: ['healthInsurance'], ruleName: '標準' } },
              photos: [],
            }
          : { items: [item(1, []), item(5, ['documents_missing'])] };
        return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
    render(Review, { props: { tripId: 't1', tripLabel: '2026-11-26 太田市役所前テント' } });
    expect(await screen.findByText('本人確認書類不足')).toBeTruthy();
    expect(urls[0]).toContain('tripId=t1');
    expect(urls[0]).not.toContain('from=');
    const open = screen.getAllByRole('button', { name: '開く' });
    await fireEvent.click(open[1] as HTMLElement);
    expect(await screen.findByText(/住所の訂正/)).toBeTruthy();
    expect(screen.getByText(/B書類があと1点/)).toBeTruthy();
    expect(urls[1]).toContain('/records/r5');
  });
});
