import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignedIn } from '../bindings';
import { signIn } from '../ipc';
import SignIn from './SignIn.svelte';

vi.mock('../ipc', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../ipc')>();
  return { ...actual, signIn: vi.fn() };
});

const signInMock = vi.mocked(signIn);
const YAMADA: SignedIn = { staffId: 'ST-001', staffName: '山田 太郎' };

function field(id: string): HTMLInputElement {
  const element = document.getElementById(id);
  if (!(element instanceof HTMLInputElement)) {
    throw new Error(`#${id} is not an input`);
  }
  return element;
}

function submitButton(): HTMLButtonElement {
  return screen.getByRole('button', { name: /サインイン|確認中/ });
}

async function fill(staffId: string, password: string): Promise<void> {
  await fireEvent.input(field('staff-id'), { target: { value: staffId } });
  await fireEvent.input(field('password'), { target: { value: password } });
}

function setup() {
  const onSignedIn = vi.fn<(signed: SignedIn) => void>();
  render(SignIn, { props: { onSignedIn } });
  return { onSignedIn };
}

beforeEach(() => {
  signInMock.mockReset();
});

describe('SignIn', () => {
  it('shows the Japanese title, visible labels and button', () => {
    setup();
    expect(screen.getByRole('heading', { name: '職員サインイン' })).toBeTruthy();
    expect(screen.getByText('Outreach 出張申請')).toBeTruthy();
    expect(screen.getByLabelText('職員ID')).toBe(field('staff-id'));
    expect(screen.getByLabelText('パスワード')).toBe(field('password'));
    expect(field('password').type).toBe('password');
    expect(submitButton().id).toBe('sign-in');
    expect(submitButton().textContent?.trim()).toBe('サインイン');
  });

  it('turns off autocomplete, capitalisation and spell checking for the staff ID', () => {
    setup();
    const id = field('staff-id');
    expect(id.getAttribute('autocomplete')).toBe('off');
    expect(id.getAttribute('autocapitalize')).toBe('off');
    expect(id.getAttribute('spellcheck')).toBe('false');
  });

  it('sends the folded staff ID and the password as typed, then reports the staff member', async () => {
    const { onSignedIn } = setup();
    signInMock.mockResolvedValueOnce(YAMADA);
    await fill('ＳＴ－００１', 'ｐａｓｓ word');
    await fireEvent.click(submitButton());

    expect(signInMock).toHaveBeenCalledTimes(1);
    expect(signInMock).toHaveBeenCalledWith({ staffId: 'ST-001', password: 'ｐａｓｓ word' });
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(YAMADA));
    expect(field('password').value).toBe('');
  });

  it('disables the button and shows 確認中… while the sign-in is pending', async () => {
    const { onSignedIn } = setup();
    let finish: (signed: SignedIn) => void = () => {};
    signInMock.mockReturnValueOnce(new Promise((resolve) => (finish = resolve)));
    await fill('ST-001', 'secret');
    await fireEvent.click(submitButton());

    expect(submitButton().disabled).toBe(true);
    expect(submitButton().textContent?.trim()).toBe('確認中…');
    await fireEvent.click(submitButton());
    await fireEvent.submit(submitButton().form as HTMLFormElement);
    expect(signInMock).toHaveBeenCalledTimes(1);
    expect(onSignedIn).not.toHaveBeenCalled();

    finish(YAMADA);
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledTimes(1));
    await tick();
    expect(submitButton().disabled).toBe(false);
    expect(submitButton().textContent?.trim()).toBe('サインイン');
  });

  it('shows the IpcError message in an alert, clears the password and lets staff try again', async () => {
    const { onSignedIn } = setup();
    signInMock.mockRejectedValueOnce({ code: 'bad_credentials', message: '職員IDまたはパスワードが違います。' });
    await fill('ST-001', 'wrong');
    await fireEvent.click(submitButton());

    const alert = await screen.findByRole('alert');
    expect(alert.id).toBe('sign-in-error');
    expect(alert.textContent?.trim()).toBe('職員IDまたはパスワードが違います。');
    expect(onSignedIn).not.toHaveBeenCalled();
    expect(field('password').value).toBe('');
    expect(field('staff-id').value).toBe('ST-001');
    expect(submitButton().disabled).toBe(false);
  });

  it('shows the generic message when the rejection is not an IpcError', async () => {
    setup();
    signInMock.mockRejectedValueOnce(new Error('stack trace with internals'));
    await fill('ST-001', 'pw');
    await fireEvent.click(submitButton());

    const alert = await screen.findByRole('alert');
    expect(alert.textContent?.trim()).toBe('予期しないエラーが発生しました。');
  });

  it('does not call signIn when fields are empty, and says what is missing', async () => {
    setup();
    await fireEvent.click(submitButton());

    expect(signInMock).not.toHaveBeenCalled();
    expect(screen.getByText('職員IDを入力してください。').id).toBe('staff-id-error');
    expect(screen.getByText('パスワードを入力してください。').id).toBe('password-error');
    expect(field('staff-id').getAttribute('aria-invalid')).toBe('true');
    expect(field('staff-id').getAttribute('aria-describedby')).toContain('staff-id-error');
    expect(document.activeElement).toBe(field('staff-id'));

    await fireEvent.input(field('staff-id'), { target: { value: 'S' } });
    expect(screen.queryByText('職員IDを入力してください。')).toBeNull();
    expect(screen.getByText('パスワードを入力してください。')).toBeTruthy();
  });

  it('rejects an ID that is not ASCII even after folding', async () => {
    setup();
    await fill('やまだ', 'pw');
    await fireEvent.click(submitButton());

    expect(signInMock).not.toHaveBeenCalled();
    expect(screen.getByText('職員IDに使えるのは英数字と「.」「_」「-」だけです。')).toBeTruthy();
  });

  it('shows the folded ID in the field once staff leave it', async () => {
    setup();
    await fireEvent.input(field('staff-id'), { target: { value: ' ｓｔ００１ ' } });
    await fireEvent.blur(field('staff-id'));
    expect(field('staff-id').value).toBe('st001');
  });

  it('toggles password visibility with a large 表示/隠す button', async () => {
    setup();
    const toggle = screen.getByRole('button', { name: 'パスワードを表示' });
    expect(toggle.textContent?.trim()).toBe('表示');

    await fireEvent.click(toggle);
    expect(field('password').type).toBe('text');
    expect(toggle.getAttribute('aria-label')).toBe('パスワードを隠す');
    expect(toggle.textContent?.trim()).toBe('隠す');

    await fireEvent.click(toggle);
    expect(field('password').type).toBe('password');
  });
});
