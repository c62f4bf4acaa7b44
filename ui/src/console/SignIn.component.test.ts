import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SignIn from './SignIn.svelte';

/** A fetch that answers each call with the next canned response and records the bodies sent. */
function server(...answers: [number, unknown, Record<string, string>?][]) {
  const sent: Record<string, unknown>[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init?: RequestInit) => {
      sent.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
      const [status, body, headers] = answers.shift() ?? [500, {}];
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
    }),
  );
  return sent;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

async function password() {
  await fireEvent.input(screen.getByLabelText('職員ID'), { target: { value: 'boss01' } });
  await fireEvent.input(screen.getByLabelText('パスワード'), { target: { value: 'correct horse battery' } });
  await fireEvent.click(screen.getByRole('button', { name: 'サインイン' }));
}

describe('SignIn', () => {
  it('asks for the code as a second step, on the numeric keypad, and sends it with the password', async () => {
    const user = { staffId: 'boss01', name: '上司', role: 'supervisor', totp: true };
    const sent = server(
      [401, { code: 'totp_required', message: 'x' }],
      [401, { code: 'totp_failed', message: 'x' }],
      [200, user],
    );
    const onSignedIn = vi.fn();
    render(SignIn, { onSignedIn });
    await password();
    const code = (await screen.findByLabelText('確認コード（6桁）')) as HTMLInputElement;
    expect(code.inputMode).toBe('numeric');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(screen.queryByLabelText('パスワード')).toBeNull();

    await fireEvent.input(code, { target: { value: '１２３４５６' } });
    await fireEvent.click(screen.getByRole('button', { name: '確認してサインイン' }));
    expect(await screen.findByText(/確認コードが違うか/)).toBeTruthy();
    expect(sent[1]).toEqual({ staffId: 'boss01', password: 'correct horse battery', totpCode: '123456' });

    await fireEvent.input(code, { target: { value: '654321' } });
    await fireEvent.click(screen.getByRole('button', { name: '確認してサインイン' }));
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(user));
    expect(sent).toHaveLength(3);
  });

  it('refuses a code of the wrong shape without asking the server', async () => {
    const sent = server([401, { code: 'totp_required', message: 'x' }]);
    render(SignIn, { onSignedIn: vi.fn() });
    await password();
    await fireEvent.input(await screen.findByLabelText('確認コード（6桁）'), { target: { value: '12345' } });
    await fireEvent.click(screen.getByRole('button', { name: '確認してサインイン' }));
    expect(await screen.findByText('確認コードは6桁の数字です。')).toBeTruthy();
    expect(sent).toHaveLength(1);
  });

  it('says how many minutes to wait after too many attempts', async () => {
    server([429, { code: 'too_many_attempts', message: 'x' }, { 'Retry-After': '600' }]);
    render(SignIn, { onSignedIn: vi.fn() });
    await password();
    expect(await screen.findByText(/10分待ってからやり直してください/)).toBeTruthy();
  });
});
