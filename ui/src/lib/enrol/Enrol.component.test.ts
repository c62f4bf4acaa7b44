import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignedIn } from '../bindings';
import { enrol } from '../ipc';
import Enrol from './Enrol.svelte';

vi.mock('../ipc', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../ipc')>();
  return { ...actual, enrol: vi.fn() };
});

const enrolMock = vi.mocked(enrol);
const YAMADA: SignedIn = { staffId: 'ST-001', staffName: '山田 太郎' };
const NOW = new Date('2026-11-26T10:00:00Z');
const CODE = JSON.stringify({
  kind: 'outreach-enrolment',
  serverUrl: 'https://10.0.0.5:8620',
  spkiPin: 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  code: 'one-time-code',
  expiresAt: '2026-11-26T10:15:00Z',
});

function field(id: string): HTMLInputElement | HTMLTextAreaElement {
  const element = document.getElementById(id);
  if (!(element instanceof HTMLInputElement) && !(element instanceof HTMLTextAreaElement)) {
    throw new Error(`#${id} is not a field`);
  }
  return element;
}

function setup() {
  const onEnrolled = vi.fn<(signed: SignedIn) => void>();
  render(Enrol, { props: { onEnrolled, now: () => NOW } });
  return { onEnrolled };
}

async function pasteCode(text: string): Promise<void> {
  await fireEvent.input(field('enrol-code'), { target: { value: text } });
  await fireEvent.click(screen.getByRole('button', { name: '次へ' }));
}

async function fillStaff(staffId: string, password: string): Promise<void> {
  await fireEvent.input(field('enrol-staff-id'), { target: { value: staffId } });
  await fireEvent.input(field('enrol-password'), { target: { value: password } });
}

beforeEach(() => {
  enrolMock.mockReset();
});

describe('Enrol', () => {
  it('asks for the code with a visible label and explains where it comes from', () => {
    setup();
    expect(screen.getByRole('heading', { name: '端末の登録' })).toBeTruthy();
    expect(screen.getByLabelText('登録コード')).toBe(field('enrol-code'));
    expect(screen.getByText(/登録用QRコードの内容/)).toBeTruthy();
  });

  it('says at once when the pasted text is not an enrolment code, and sends nothing', async () => {
    setup();
    await pasteCode('https://example.jp/some-other-qr');
    expect(screen.getByRole('alert').textContent).toContain('端末登録用のコードではありません');
    expect(field('enrol-code').getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('enrol-staff-id')).toBeNull();
    expect(enrolMock).not.toHaveBeenCalled();
  });

  it('says an expired code is expired', async () => {
    setup();
    await pasteCode(CODE.replace('10:15:00Z', '09:59:00Z'));
    expect(screen.getByRole('alert').textContent).toContain('有効期限が切れています');
  });

  it('shows the server and expiry, then enrols with the folded staff ID and signs in', async () => {
    const { onEnrolled } = setup();
    await pasteCode(`  ${CODE}\n`);
    expect(document.getElementById('enrol-summary')?.textContent?.replace(/\s+/g, '')).toBe(
      '接続先https://10.0.0.5:8620有効期限11月26日19:15まで',
    );
    enrolMock.mockResolvedValueOnce(YAMADA);
    await fillStaff('ＳＴ－００１', 'secret');
    await fireEvent.click(screen.getByRole('button', { name: '登録してサインイン' }));

    expect(enrolMock).toHaveBeenCalledWith({ codeText: CODE, staffId: 'ST-001', password: 'secret' });
    await vi.waitFor(() => expect(onEnrolled).toHaveBeenCalledWith(YAMADA));
  });

  it('shows the Rust side message, clears the password and lets staff try again with the same code', async () => {
    const { onEnrolled } = setup();
    await pasteCode(CODE);
    enrolMock.mockRejectedValueOnce({ code: 'wrong_password', message: 'パスワードが違います。' });
    await fillStaff('ST-001', 'wrong');
    await fireEvent.click(screen.getByRole('button', { name: '登録してサインイン' }));

    const alert = await screen.findByRole('alert');
    expect(alert.id).toBe('enrol-error');
    expect(alert.textContent?.trim()).toBe('パスワードが違います。');
    expect(field('enrol-password').value).toBe('');
    expect(field('enrol-staff-id').value).toBe('ST-001');
    expect(onEnrolled).not.toHaveBeenCalled();

    enrolMock.mockResolvedValueOnce(YAMADA);
    await fireEvent.input(field('enrol-password'), { target: { value: 'right' } });
    await fireEvent.click(screen.getByRole('button', { name: '登録してサインイン' }));
    await vi.waitFor(() => expect(onEnrolled).toHaveBeenCalledWith(YAMADA));
    expect(enrolMock).toHaveBeenLastCalledWith({ codeText: CODE, staffId: 'ST-001', password: 'right' });
  });

  it('does not send without a staff ID and password, and can go back to the code', async () => {
    setup();
    await pasteCode(CODE);
    await fireEvent.click(screen.getByRole('button', { name: '登録してサインイン' }));
    expect(enrolMock).not.toHaveBeenCalled();
    expect(screen.getByText('職員IDを入力してください。')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'コードを入れ直す' }));
    expect(field('enrol-code').value).toBe(CODE);
  });
});

describe('Enrol camera', () => {
  it('offers the camera, and says to paste when the tablet has none, keeping the paste field', async () => {
    const onEnrolled = vi.fn<(signed: SignedIn) => void>();
    render(Enrol, { props: { onEnrolled, now: () => NOW, media: undefined } });
    await fireEvent.click(screen.getByRole('button', { name: 'カメラで読み取る' }));

    const notice = await screen.findByText('この端末ではカメラを使えません。登録コードの文字を貼り付けてください。');
    expect(notice.id).toBe('enrol-camera-error');
    expect(document.getElementById('enrol-code')).not.toBeNull();
    expect(screen.getByRole('button', { name: 'カメラで読み取る' })).toBeTruthy();
  });
});
