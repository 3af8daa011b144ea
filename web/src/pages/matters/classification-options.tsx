import { classifications } from './matters-api';

const labels = { public: 'Public', internal: 'Internal', highly_sensitive: 'Highly sensitive' } as const;

export function ClassificationOptions() {
  return (
    <>
      {classifications.map((value) => (
        <option key={value} value={value}>
          {labels[value]}
        </option>
      ))}
    </>
  );
}
