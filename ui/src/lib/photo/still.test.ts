import { describe, expect, it, vi } from 'vitest';
import { STILL_CONSTRAINTS, frameSize, takeStill, type PhotoTaker, type StillEnv } from './still';

/** A stream with one video track whose settings say `width` × `height`. */
function stream(width?: number, height?: number): MediaStream {
  const track = { kind: 'video', getSettings: () => ({ width, height }) } as unknown as MediaStreamTrack;
  return { getVideoTracks: () => [track] } as unknown as MediaStream;
}

function video(videoWidth = 640, videoHeight = 480): HTMLVideoElement {
  return { videoWidth, videoHeight } as HTMLVideoElement;
}

function env(taker: PhotoTaker | null): StillEnv & { grabbed: { width: number; height: number }[] } {
  const grabbed: { width: number; height: number }[] = [];
  return {
    grabbed,
    imageCapture: () => taker,
    grabFrame: (_video, width, height) => {
      grabbed.push({ width, height });
      return Promise.resolve(new Blob(['frame'], { type: 'image/jpeg' }));
    },
  };
}

describe('camera still', () => {
  it('asks for the largest mode the camera has', () => {
    const width = STILL_CONSTRAINTS.width as ConstrainULongRange;
    const height = STILL_CONSTRAINTS.height as ConstrainULongRange;
    expect(width.ideal).toBeGreaterThanOrEqual(4096);
    expect(height.ideal).toBeGreaterThanOrEqual(4096);
    // Ideal, never exact or min: a camera with less still opens.
    expect(width.min).toBeUndefined();
    expect(width.exact).toBeUndefined();
  });

  it('takes a photo with ImageCapture at its largest size where the web view has it', async () => {
    const photo = new Blob(['photo'], { type: 'image/jpeg' });
    const takePhoto = vi.fn(() => Promise.resolve(photo));
    const e = env({
      getPhotoCapabilities: () => Promise.resolve({ imageWidth: { max: 4032 }, imageHeight: { max: 3024 } }),
      takePhoto,
    });
    const still = await takeStill(stream(1920, 1080), video(), e);
    expect(takePhoto).toHaveBeenCalledWith({ imageWidth: 4032, imageHeight: 3024 });
    expect(still).toEqual({ blob: photo, method: 'takePhoto' });
    expect(e.grabbed).toEqual([]);
  });

  it('grabs a frame at the track size, not the shown size, without ImageCapture', async () => {
    const e = env(null);
    const still = await takeStill(stream(3840, 2160), video(640, 360), e);
    expect(e.grabbed).toEqual([{ width: 3840, height: 2160 }]);
    expect(still.method).toBe('frame');
  });

  it('falls back to a frame when takePhoto fails', async () => {
    const e = env({ takePhoto: () => Promise.reject(new Error('not supported')) });
    const still = await takeStill(stream(1280, 720), video(), e);
    expect(e.grabbed).toEqual([{ width: 1280, height: 720 }]);
    expect(still.method).toBe('frame');
  });

  it('uses the decoded video size when the track has no settings, and refuses an empty video', async () => {
    expect(frameSize(undefined, video(800, 600))).toEqual({ width: 800, height: 600 });
    expect(frameSize(stream().getVideoTracks()[0], video(800, 600))).toEqual({ width: 800, height: 600 });
    await expect(takeStill(stream(), video(0, 0), env(null))).rejects.toThrow();
  });
});
