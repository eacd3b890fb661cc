/** The body of POST /v1/communications an agency's clerk would send: an oficio to one or more recipients. */
export function communicationDraft(input: {
  contentId: string;
  recipients: string[];
  signers: string[];
  annexIds?: string[];
  reviewers?: string[];
  subject?: string;
}): Record<string, unknown> {
  const recipientPeople = [
    { name: 'Pedro Rojas', post: 'Jefe de División' },
    { name: 'Ana Díaz', post: 'Directora' },
  ];
  return {
    type: 'oficio',
    classification: 'SERIE-OF-2026',
    subject: input.subject ?? 'Solicita antecedentes del expediente de subsidio',
    sender: { authority: 'Juana Pérez Soto', post: 'Subsecretaria' },
    recipients: input.recipients.map((agencyCode, i) => ({ agencyCode, persons: [recipientPeople[i % recipientPeople.length]] })),
    content: { documentId: input.contentId, version: 1 },
    ...(input.annexIds ? { annexes: input.annexIds.map((documentId) => ({ documentId, version: 1 })) } : {}),
    ...(input.reviewers ? { reviewers: input.reviewers } : {}),
    signers: input.signers,
  };
}
