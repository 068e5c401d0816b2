import { useSyncExternalStore } from 'react';

function subscribe(listener: () => void): () => void {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
}

const get = () => (typeof navigator === 'undefined' ? true : navigator.onLine);

/** Whether the browser says it has a network (false means certainly offline; true only maybe online). */
export function useBrowserOnline(): boolean {
  return useSyncExternalStore(subscribe, get, () => true);
}
