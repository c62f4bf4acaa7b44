import { describe, expect, it, vi } from 'vitest';
import { CAMERA_START_TIMEOUT_MS, frameSize, openCamera, startScanner, toLuma } from './camera';

describe('toLuma', () => {
  it('turns RGBA into one grey byte per pixel, ignoring alpha', () => {
    const rgba = new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 0, 255, 0, 0, 255, 0, 255, 0, 255]);
    expect([...toLuma(rgba)]).toEqual([0, 255, 76, 149]);
  });
});

describe('frameSize', () => {
  it('scales a wide frame down to 640 pixels, keeping its shape', () => {
    expect(frameSize(1920, 1080)).toEqual({ width: 640, height: 360 });
  });

  it('keeps a small frame as it is and refuses an empty one', () => {
    expect(frameSize(320, 240)).toEqual({ width: 320, height: 240 });
    expect(frameSize(0, 0)).toEqual({ width: 0, height: 0 });
  });
});

describe('startScanner', () => {
  it('refuses at once where the web view has no camera API', async () => {
    const video = document.createElement('video');
    await expect(startScanner(video, async () => null, () => {}, undefined)).rejects.toThrow('no camera API');
  });

  it('passes on the refusal of the camera', async () => {
    const video = document.createElement('video');
    const media = {
      getUserMedia: () => Promise.reject(new DOMException('denied', 'NotAllowedError')),
    } as unknown as MediaDevices;
    await expect(startScanner(video, async () => null, () => {}, media)).rejects.toThrow('denied');
  });
});

describe('openCamera', () => {
  it('refuses at once when the web view has no camera API', async () => {
    await expect(openCamera({}, undefined)).rejects.toThrow('no camera API');
  });

  it('gives up on a camera request that never answers', async () => {
    vi.useFakeTimers();
    try {
      const media = { getUserMedia: () => new Promise<MediaStream>(() => undefined) } as unknown as MediaDevices;
      const opening = openCamera({ facingMode: 'environment' }, media);
      const settled = expect(opening).rejects.toThrow('the camera did not start');
      await vi.advanceTimersByTimeAsync(CAMERA_START_TIMEOUT_MS + 1);
      await settled;
    } finally {
      vi.useRealTimers();
    }
  });
});
