/** Valid document metadata by MGDDE code; tests override what they exercise. */
export function validMetadata(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    MGDDE1_6: 'Resolución exenta que aprueba convenio',
    MGDDE3_2: ['convenio', 'aprobación'],
    MGDDE4_1: '2026-11-20T10:00:00Z',
    MGDDE5_1: 36,
    MGDDE5_3: 2,
    MGDDE61_2: 3,
    MGDDE7_1: 1,
    MGDDE7_2: 2,
    MGDDE8_3: 2,
    ...overrides,
  };
}
